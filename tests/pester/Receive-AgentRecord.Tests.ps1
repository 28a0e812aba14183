BeforeAll { . (Join-Path $PSScriptRoot 'common.ps1') }

Describe 'Receive-AgentRecord' {
    BeforeAll {
        $script:Prefix = New-TestName 'receive'
        # 1795639451.784245484, as a DateTimeOffset (100 ns precision) and exactly.
        $script:Seconds = 1795639451
        $script:Nanoseconds = 784245484
        $script:Expected = [DateTimeOffset]::FromUnixTimeSeconds($script:Seconds).AddTicks(7842454)
        function New-Dummy([int] $Copies, [hashtable] $Extra = @{}) {
            @{ Name = 'dummy'; copies = $Copies; samples = 1; rate = 20; fixed_timestamp = $true
               start_time_sec = $script:Seconds; start_time_nsec = $script:Nanoseconds } + $Extra
        }
    }

    AfterEach { Stop-TestPipeline "$script:Prefix*" }

    Context '-Input dummy -Output powershell' {
        It 'returns the buffered records as objects with the dummy fields and the exact timestamp' {
            $p = Start-AgentPipeline -Name (New-TestName $script:Prefix) -Input (New-Dummy 3 @{ dummy = '{"message":"hello","n":7,"f":1.5,"ok":true,"none":null,"list":[1,"x"],"map":{"k":"v"}}'; metadata = '{"mk":"mv"}' }) -Output powershell -Service @{ Flush = 0.05 }
            Wait-Until { (Get-Metric $p 'powershell.0' 'proc_records') -eq 3 } -Because 'three records reach the powershell output'

            $records = @(Receive-AgentRecord $p)

            $records.Count | Should -Be 3
            foreach ($r in $records) {
                $r.PSObject.TypeNames[0] | Should -BeExactly 'CoreAgent.Record'
                @($r.PSObject.Properties.Name) | Should -Be @('message', 'n', 'f', 'ok', 'none', 'list', 'map', 'Tag', 'Timestamp', 'TimestampNanoseconds', 'Metadata')
                $r.message | Should -BeExactly 'hello'
                $r.n | Should -BeOfType [long]
                $r.n | Should -Be 7
                $r.f | Should -BeOfType [double]
                $r.f | Should -Be 1.5
                $r.ok | Should -BeTrue
                $r.none | Should -BeNullOrEmpty
                $r.list | Should -Be @(1, 'x')
                $r.map.k | Should -BeExactly 'v'
                $r.Tag | Should -BeExactly 'dummy.0'
                $r.Timestamp | Should -BeOfType [DateTimeOffset]
                $r.Timestamp | Should -Be $script:Expected
                $r.Timestamp.Offset | Should -Be ([TimeSpan]::Zero)
                $r.TimestampNanoseconds | Should -BeOfType [uint32]
                $r.TimestampNanoseconds | Should -Be $script:Nanoseconds
                $r.Metadata.mk | Should -BeExactly 'mv'
            }
        }

        It 'takes the records: a second call returns only what arrived since' {
            $p = Start-AgentPipeline -Name (New-TestName $script:Prefix) -Input (New-Dummy 2) -Output powershell -Service @{ Flush = 0.05 }
            Wait-Until { (Get-Metric $p 'powershell.0' 'proc_records') -eq 2 } -Because 'two records flushed'

            @(Receive-AgentRecord $p).Count | Should -Be 2
            @(Receive-AgentRecord $p).Count | Should -Be 0
        }

        It 'returns records with the default dummy record and a current timestamp' {
            $before = [DateTimeOffset]::UtcNow.AddSeconds(-1)
            $p = Start-AgentPipeline -Name (New-TestName $script:Prefix) -Input dummy -Output powershell -Service @{ Flush = 0.05 }
            Wait-Until { (Get-Metric $p 'powershell.0' 'proc_records') -ge 1 } -Because 'a record is flushed'

            $records = @(Receive-AgentRecord $p)

            $records.Count | Should -BeGreaterOrEqual 1
            $records[0].message | Should -BeExactly 'dummy'
            $records[0].Tag | Should -BeExactly 'dummy.0'
            $records[0].Timestamp | Should -BeGreaterThan $before
            $records[0].Timestamp | Should -BeLessThan ([DateTimeOffset]::UtcNow.AddSeconds(1))
            # The DateTimeOffset holds the nanoseconds down to 100 ns.
            [math]::Floor($records[0].TimestampNanoseconds / 100) | Should -Be ($records[0].Timestamp.UtcTicks % 10000000)
        }

        It 'accepts pipelines from the pipeline and by -Name' {
            $name = New-TestName $script:Prefix
            $p = Start-AgentPipeline -Name $name -Input (New-Dummy 2) -Output powershell -Service @{ Flush = 0.05 }
            Wait-Until { (Get-Metric $p 'powershell.0' 'proc_records') -eq 2 } -Because 'two records flushed'

            @(Receive-AgentRecord -Name $name).Count | Should -Be 2
        }

        It 'moves the record''s own Tag and Timestamp to _Tag and _Timestamp when the body has such fields' {
            $p = Start-AgentPipeline -Name (New-TestName $script:Prefix) -Input (New-Dummy 1 @{ dummy = '{"tag":"body tag","Timestamp":"body time","_Timestamp":1}' }) -Output powershell -Service @{ Flush = 0.05 }
            Wait-Until { (Get-Metric $p 'powershell.0' 'proc_records') -eq 1 } -Because 'a record is flushed'

            $r = Receive-AgentRecord $p

            @($r.PSObject.Properties.Name) | Should -Be @('tag', 'Timestamp', '_Timestamp', '_Tag', '__Timestamp', 'TimestampNanoseconds', 'Metadata')
            $r.tag | Should -BeExactly 'body tag'
            $r.Timestamp | Should -BeExactly 'body time'
            $r._Timestamp | Should -Be 1
            $r._Tag | Should -BeExactly 'dummy.0'
            $r.__Timestamp | Should -Be $script:Expected
        }

        It 'shows records as a table of time, tag and JSON body' {
            $p = Start-AgentPipeline -Name (New-TestName $script:Prefix) -Input (New-Dummy 1 @{ dummy = '{"msg":"hi","n":7}' }) -Output powershell -Service @{ Flush = 0.05 }
            Wait-Until { (Get-Metric $p 'powershell.0' 'proc_records') -eq 1 } -Because 'a record is flushed'

            $text = Receive-AgentRecord $p | Format-Table | Out-String -Width 200

            $text | Should -Match '2026-11-25T\d\d:\d\d:11\.784245484Z\s+dummy\.0\s+\{"msg":"hi","n":7\}'
        }
    }

    Context '-Input cpu' {
        It 'returns cpu records with the cpu fields' {
            if (-not (Get-AgentPlugin cpu -Type Input -ErrorAction SilentlyContinue)) { Set-ItResult -Skipped -Because 'there is no cpu input yet'; return }
            $p = Start-AgentPipeline -Name (New-TestName $script:Prefix) -Input cpu -Output powershell -Service @{ Flush = 0.2 }
            Wait-Until { (Get-Metric $p 'powershell.0' 'proc_records') -ge 2 } -Because 'two cpu records are flushed'

            $records = @(Receive-AgentRecord $p)

            $records.Count | Should -BeGreaterOrEqual 2
            foreach ($r in $records) {
                $r.Tag | Should -BeExactly 'cpu.0'
                $r.cpu_p | Should -BeOfType [double]
                $r.user_p | Should -BeOfType [double]
                $r.system_p | Should -BeOfType [double]
                $r.cpu_p | Should -BeGreaterOrEqual 0
                $r.'cpu0.p_cpu' | Should -BeOfType [double]
                $r.Timestamp | Should -BeOfType [DateTimeOffset]
            }
        }
    }

    Context '-Wait' {
        It 'streams the records until the pipeline stops, then returns' {
            $p = Start-AgentPipeline -Name (New-TestName $script:Prefix) -Input @{ Name = 'dummy'; rate = 20; samples = 5 } -Output powershell -Service @{ Flush = 0.05 } -Duration 00:00:02

            $records = @(Receive-AgentRecord $p -Wait)

            $p.State | Should -BeExactly 'Stopped'
            $records.Count | Should -Be 5
            $records.Count | Should -Be (Get-Metric $p 'dummy.0' 'records')
            $records.message | Sort-Object -Unique | Should -Be 'dummy'
        }

        It 'returns at once for a pipeline that has stopped, with the records it left' {
            $p = Start-AgentPipeline -Name (New-TestName $script:Prefix) -Input (New-Dummy 4) -Output powershell -Service @{ Flush = 0.05 }
            Wait-Until { (Get-Metric $p 'powershell.0' 'proc_records') -eq 4 } -Because 'four records flushed'
            Stop-AgentPipeline $p

            @(Receive-AgentRecord $p -Wait).Count | Should -Be 4
        }

        It 'stops waiting when the command is stopped (Ctrl+C)' {
            $name = New-TestName $script:Prefix
            $p = Start-AgentPipeline -Name $name -Input @{ Name = 'dummy'; rate = 20 } -Output powershell -Service @{ Flush = 0.05 }
            $ps = [powershell]::Create()
            try {
                # One script, not a batch of statements: stopping a batch can fail on a thread-pool thread.
                $null = $ps.AddScript('param($Module, $Name) Import-Module $Module; Receive-AgentRecord -Name $Name -Wait').AddArgument($script:ModulePath).AddArgument($name)
                $output = [System.Management.Automation.PSDataCollection[psobject]]::new()
                $async = $ps.BeginInvoke([System.Management.Automation.PSDataCollection[psobject]]::new(), $output)
                Wait-Until { $output.Count -ge 3 } -Because 'records stream while the pipeline runs'

                $ps.Stop()

                $async.IsCompleted | Should -BeTrue
                $ps.InvocationStateInfo.State | Should -Be 'Stopped'
                $p.State | Should -BeExactly 'Running'
                $output[0].message | Should -BeExactly 'dummy'
            }
            finally { $ps.Dispose() }
        }
    }

    Context 'several powershell outputs' {
        It 'returns the records of every powershell output, or of the one named by -Output' {
            $p = Start-AgentPipeline -Name (New-TestName $script:Prefix) -Service @{ Flush = 0.05 } `
                -Input (New-Dummy 2 @{ Tag = 'a' }), (New-Dummy 3 @{ Tag = 'b' }) `
                -Output @{ Name = 'powershell'; Match = 'a' }, @{ Name = 'powershell'; Match = 'b'; Alias = 'only_b' }
            Wait-Until { (Get-Metric $p 'powershell.0' 'proc_records') -eq 2 -and (Get-Metric $p 'only_b' 'proc_records') -eq 3 } -Because 'five records flushed'

            $b = @(Receive-AgentRecord $p -Output only_b)
            $rest = @(Receive-AgentRecord $p)

            $b.Tag | Should -Be @('b', 'b', 'b')
            $rest.Tag | Should -Be @('a', 'a')
        }
    }

    Context 'the bounded buffer' {
        It 'keeps the newest buffer_records records and counts the others in dropped_records, not proc_records, with one warning' {
            $p = Start-AgentPipeline -Name (New-TestName $script:Prefix) -Input (New-Dummy 5 @{ dummy = '{"n":1}' }) -Output @{ Name = 'powershell'; buffer_records = 2 } -Service @{ Flush = 0.05 }
            Wait-Until { (Get-Metric $p 'powershell.0' 'dropped_records') -eq 3 } -Because 'five records flushed into a buffer of two'

            # Records dropped unreceived were never processed: proc_records and proc_bytes are the two kept.
            Get-Metric $p 'powershell.0' 'proc_records' | Should -Be 2
            Get-Metric $p 'powershell.0' 'proc_bytes' | Should -Be ((Get-Metric $p 'dummy.0' 'bytes') * 2 / 5)
            @($p.RecentLog | Where-Object { $_.Message -like 'powershell.0 dropped 3 records nobody received*' }).Count | Should -Be 1
            @(Receive-AgentRecord $p).Count | Should -Be 2
        }
    }

    Context 'errors' {
        It 'writes NoPowerShellOutput for a pipeline without a powershell output' {
            $p = Start-AgentPipeline -Name (New-TestName $script:Prefix) -Input dummy -Output null

            $records = @(Receive-AgentRecord $p -ErrorVariable problems -ErrorAction SilentlyContinue)

            $records.Count | Should -Be 0
            $problems.Count | Should -Be 1
            $problems[0].FullyQualifiedErrorId | Should -BeLike 'NoPowerShellOutput,*'
            $problems[0].Exception.Message | Should -BeLike "*pipeline '$($p.Name)' has no powershell output*"
        }

        It 'writes NoPowerShellOutput for an -Output that is not a powershell output, naming the ones there are' {
            $p = Start-AgentPipeline -Name (New-TestName $script:Prefix) -Input dummy -Output powershell

            $null = Receive-AgentRecord $p -Output nosuch -ErrorVariable problems -ErrorAction SilentlyContinue

            $problems[0].FullyQualifiedErrorId | Should -BeLike 'NoPowerShellOutput,*'
            $problems[0].Exception.Message | Should -BeLike "*no powershell output named 'nosuch' (its powershell outputs: powershell.0)"
        }

        It 'writes PipelineNotFound for an unknown -Name' {
            $null = Receive-AgentRecord -Name 'no-such-pipeline-xyz' -ErrorVariable problems -ErrorAction SilentlyContinue
            $problems[0].FullyQualifiedErrorId | Should -BeLike 'PipelineNotFound,*'
        }
    }

    Context 'Start-AgentPipeline -Wait -PassThru' {
        It 'writes the records as they are flushed, and not the handle' {
            $out = @(Start-AgentPipeline -Name (New-TestName $script:Prefix) -Input (New-Dummy 3 @{ dummy = '{"msg":"streamed"}' }) -Output powershell `
                    -Service @{ Flush = 0.05 } -Wait -PassThru -Duration 00:00:01.5)

            $out.Count | Should -Be 3
            $out | ForEach-Object { $_.PSObject.TypeNames[0] | Should -BeExactly 'CoreAgent.Record' }
            $out.msg | Should -Be @('streamed', 'streamed', 'streamed')
            $out.TimestampNanoseconds | Sort-Object -Unique | Should -Be $script:Nanoseconds
        }

        It 'writes NoPowerShellOutput and the handle when the pipeline has no powershell output' {
            $out = @(Start-AgentPipeline -Name (New-TestName $script:Prefix) -Input (New-Dummy 1) -Output null -Wait -PassThru -Duration 00:00:00.5 -ErrorVariable problems -ErrorAction SilentlyContinue)

            $problems[0].FullyQualifiedErrorId | Should -BeLike 'NoPowerShellOutput,*'
            $out.Count | Should -Be 1
            $out[0].GetType().Name | Should -Be 'AgentPipelineInfo'
        }
    }
}

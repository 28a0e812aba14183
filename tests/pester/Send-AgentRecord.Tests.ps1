BeforeAll { . (Join-Path $PSScriptRoot 'common.ps1') }

Describe 'Send-AgentRecord' {
    BeforeAll {
        $script:Prefix = New-TestName 'send'
        $script:CounterPath = Get-TestPlugin 'out_counter'
        $script:ResultPath = Get-TestPlugin 'out_result'
        $null = Import-AgentPlugin $script:CounterPath, $script:ResultPath
        $script:Seconds = 1795639451
        $script:Nanoseconds = 784245484
        $script:Stamp = [DateTimeOffset]::FromUnixTimeSeconds($script:Seconds).AddTicks(7842454)

        # A running pipeline: the powershell input into out_counter, which writes one JSON line per record to $File.
        function Start-CounterPipeline([string] $File, [string] $Match = '*') {
            Start-AgentPipeline -Name (New-TestName $script:Prefix) -Service @{ Flush = 0.05 } -Input powershell `
                -Output @{ Name = 'counter'; Match = $Match; id = 'send'; path = $File }
        }
        function Get-RecordLine([string] $File) { @(Get-FileLine $File | Where-Object { $_ -like '*"record":*' }) }
    }

    AfterEach { Stop-TestPipeline "$script:Prefix*" }

    Context 'to a Go plugin' {
        It 'sends Get-Process objects with -Tag proc and out_counter gets the right fields' {
            $file = Join-Path $TestDrive 'proc.jsonl'
            $p = Start-CounterPipeline $file -Match 'proc'
            $procs = @(Get-Process | Select-Object -First 5 Name, Id, WorkingSet64, StartTime)

            $out = $procs | Send-AgentRecord -Pipeline $p -Tag proc

            $out | Should -BeNullOrEmpty
            Wait-Until { (Get-RecordLine $file).Count -eq 5 } -Because 'five records reach out_counter'
            $lines = Get-RecordLine $file
            for ($i = 0; $i -lt 5; $i++) {
                $line = $lines[$i] | ConvertFrom-Json
                $line.tag | Should -BeExactly 'proc'
                @($line.record.PSObject.Properties.Name) | Should -Be @('Id', 'Name', 'StartTime', 'WorkingSet64') # Go sorts the keys
                $line.record.Name | Should -BeExactly $procs[$i].Name
                $line.record.Id | Should -Be $procs[$i].Id
                $line.record.WorkingSet64 | Should -Be $procs[$i].WorkingSet64
                $lines[$i] | Should -Match ([regex]::Escape('"StartTime":"' + $procs[$i].StartTime.ToString('o') + '"'))
            }
            Get-Metric $p 'powershell.0' 'records' | Should -Be 5
        }

        It 'leaves out the members PowerShell adds (PSPath, PSDrive, ...) unless -KeepPowerShellMembers' {
            $file = Join-Path $TestDrive 'items.jsonl'
            $p = Start-CounterPipeline $file
            $item = Get-Item $file -ErrorAction SilentlyContinue
            if (-not $item) { Set-Content $file ''; $item = Get-Item $file }

            $item | Send-AgentRecord -Pipeline $p -Tag plain
            $item | Send-AgentRecord -Pipeline $p -Tag kept -KeepPowerShellMembers
            [pscustomobject]@{ PSPath = 'mine'; n = 1 } | Send-AgentRecord -Pipeline $p -Tag custom

            Wait-Until { (Get-RecordLine $file).Count -eq 3 } -Because 'three records reach out_counter'
            $byTag = @{}; Get-RecordLine $file | ForEach-Object { $l = $_ | ConvertFrom-Json; $byTag[$l.tag] = $l.record }
            $plain = @($byTag['plain'].PSObject.Properties.Name)
            foreach ($name in 'PSPath', 'PSParentPath', 'PSChildName', 'PSDrive', 'PSProvider', 'PSIsContainer') { $plain | Should -Not -Contain $name }
            $plain | Should -Contain 'FullName'
            (Get-RecordLine $file) -join "`n" | Should -Match ([regex]::Escape('"LastWriteTimeUtc":"' + $item.LastWriteTimeUtc.ToString('o') + '"'))
            @($byTag['kept'].PSObject.Properties.Name) | Should -Contain 'PSPath'
            $byTag['custom'].PSPath | Should -BeExactly 'mine' -Because 'an object the user built keeps every key'
        }

        It 'uses the input''s tag without -Tag' {
            $file = Join-Path $TestDrive 'default-tag.jsonl'
            $p = Start-CounterPipeline $file

            @{ msg = 'hi' } | Send-AgentRecord $p

            Wait-Until { (Get-RecordLine $file).Count -eq 1 } -Because 'the record reaches out_counter'
            (@(Get-RecordLine $file)[0] | ConvertFrom-Json).tag | Should -BeExactly 'powershell.0'
        }

        It 'sends nested maps, arrays, bytes, nulls, booleans and numbers as msgpack types' {
            $file = Join-Path $TestDrive 'types.jsonl'
            $p = Start-CounterPipeline $file
            $object = [ordered]@{
                text = 'hi'; n = 7; neg = -3; big = [uint64]::MaxValue; f = 1.5; yes = $true; no = $false; none = $null
                list = @(1, 'x', $null); map = [ordered]@{ k = 'v'; inner = @{ deep = 1 } }; bytes = [byte[]](104, 105)
                when = [DateTimeOffset]::new(2026, 1, 2, 3, 4, 5, [TimeSpan]::Zero); level = [System.DayOfWeek]::Friday
            }

            Send-AgentRecord -Pipeline $p -InputObject $object

            Wait-Until { (Get-RecordLine $file).Count -eq 1 } -Because 'the record reaches out_counter'
            $raw = @(Get-RecordLine $file)[0]
            $raw | Should -Match ([regex]::Escape('"record":{"big":18446744073709551615,"bytes":"hi","f":1.5,"level":"Friday","list":[1,"x",null],"map":{"inner":{"deep":1},"k":"v"},"n":7,"neg":-3,"no":false,"none":null,"text":"hi","when":"2026-01-02T03:04:05.0000000+00:00","yes":true}}') + '$')
        }

        It 'takes the record time from a Timestamp property and leaves it out of the body' {
            $file = Join-Path $TestDrive 'stamp.jsonl'
            $p = Start-CounterPipeline $file

            [pscustomobject]@{ Timestamp = $script:Stamp; msg = 'x' } | Send-AgentRecord $p

            Wait-Until { (Get-RecordLine $file).Count -eq 1 } -Because 'the record reaches out_counter'
            $line = @(Get-RecordLine $file)[0] | ConvertFrom-Json
            $line.sec | Should -Be $script:Seconds
            $line.nsec | Should -Be 784245400
            @($line.record.PSObject.Properties.Name) | Should -Be @('msg')
        }

        It 'sends received records on with their exact timestamps and metadata' {
            $file = Join-Path $TestDrive 'forward.jsonl'
            $source = Start-AgentPipeline -Name (New-TestName $script:Prefix) -Service @{ Flush = 0.05 } -Output powershell `
                -Input @{ Name = 'dummy'; samples = 1; copies = 2; rate = 20; fixed_timestamp = $true; start_time_sec = $script:Seconds
                          start_time_nsec = $script:Nanoseconds; dummy = '{"msg":"fwd","Tag":"body"}'; metadata = '{"mk":"mv"}' }
            Wait-Until { (Get-Metric $source 'powershell.0' 'proc_records') -eq 2 } -Because 'two records are buffered'
            $target = Start-CounterPipeline $file

            Receive-AgentRecord $source | Send-AgentRecord $target

            Wait-Until { (Get-RecordLine $file).Count -eq 2 } -Because 'two records reach out_counter'
            foreach ($raw in Get-RecordLine $file) {
                $line = $raw | ConvertFrom-Json
                $line.sec | Should -Be $script:Seconds
                $line.nsec | Should -Be $script:Nanoseconds
                $line.meta.mk | Should -BeExactly 'mv'
                $raw | Should -BeLike '*"record":{"Tag":"body","msg":"fwd"}}'
            }
        }
    }

    Context 'parameters' {
        It '-PassThru writes the input objects' {
            $p = Start-AgentPipeline -Name (New-TestName $script:Prefix) -Input powershell -Output null
            $in = [pscustomobject]@{ a = 1 }, [pscustomobject]@{ a = 2 }

            $out = @($in | Send-AgentRecord $p -PassThru)

            $out.Count | Should -Be 2
            [object]::ReferenceEquals($out[0], $in[0]) | Should -BeTrue
            Wait-Until { (Get-Metric $p 'powershell.0' 'records') -eq 2 } -Because 'both records are counted'
        }

        It '-InputObject with an array sends one record per item' {
            $p = Start-AgentPipeline -Name (New-TestName $script:Prefix) -Input powershell -Output null

            Send-AgentRecord $p -InputObject @(@{ a = 1 }, @{ a = 2 }, @{ a = 3 })

            Get-Metric $p 'powershell.0' 'records' | Should -Be 3
        }

        It '-Input picks one of several powershell inputs' {
            $file = Join-Path $TestDrive 'second.jsonl'
            $p = Start-AgentPipeline -Name (New-TestName $script:Prefix) -Service @{ Flush = 0.05 } `
                -Input @{ Name = 'powershell'; Tag = 'one' }, @{ Name = 'powershell'; Tag = 'two'; Alias = 'second' } `
                -Output @{ Name = 'counter'; Match = '*'; id = 'x'; path = $file }

            @{ n = 1 } | Send-AgentRecord $p -Input second

            Wait-Until { (Get-RecordLine $file).Count -eq 1 } -Because 'the record reaches out_counter'
            (@(Get-RecordLine $file)[0] | ConvertFrom-Json).tag | Should -BeExactly 'two'
            Get-Metric $p 'second' 'records' | Should -Be 1
            Get-Metric $p 'powershell.0' 'records' | Should -Be 0
        }

        It 'writes a progress record every 1000 records' {
            $p = Start-AgentPipeline -Name (New-TestName $script:Prefix) -Input powershell -Output null
            $ps = [powershell]::Create()
            try {
                $null = $ps.AddScript('param($Module, $p) Import-Module $Module; 1..2500 | ForEach-Object { @{ n = $_ } } | Send-AgentRecord -Pipeline $p').AddArgument($script:ModulePath).AddArgument($p)
                $null = $ps.Invoke()

                $ps.HadErrors | Should -BeFalse
                $progress = @($ps.Streams.Progress | Where-Object Activity -EQ 'Send-AgentRecord')
                @($progress | Where-Object RecordType -EQ 'Processing').StatusDescription | Should -Be @(
                    "1000 records sent to powershell.0 of pipeline '$($p.Name)'"
                    "2000 records sent to powershell.0 of pipeline '$($p.Name)'"
                )
                @($progress | Where-Object RecordType -EQ 'Completed').Count | Should -Be 1
            }
            finally { $ps.Dispose() }
            Get-Metric $p 'powershell.0' 'records' | Should -Be 2500
        }

        It 'sends a 10 MB string as one record' {
            $p = Start-AgentPipeline -Name (New-TestName $script:Prefix) -Input powershell -Output @{ Name = 'powershell'; Alias = 'back' } -Service @{ Flush = 0.05 }
            $text = 'x' * (10 * 1024 * 1024)

            @{ big = $text } | Send-AgentRecord $p

            Wait-Until { (Get-Metric $p 'back' 'proc_records') -eq 1 } -Because 'the record is flushed'
            (Receive-AgentRecord $p).big.Length | Should -Be $text.Length
        }
    }

    Context 'backpressure' {
        It 'fails with SendTimeout while the input stays paused over its Mem_Buf_Limit, having dropped nothing' {
            # out_result keeps answering FLB_RETRY with a long backoff, so the chunk stays buffered and the input paused.
            # Flush 2: the 100 records are all written before the first flush tick seals their chunk.
            $p = Start-AgentPipeline -Name (New-TestName $script:Prefix) -Service @{ Flush = 2; Grace = 1; 'scheduler.base' = 100; 'scheduler.cap' = 200 } `
                -Input @{ Name = 'powershell'; Mem_Buf_Limit = '1k' } -Output @{ Name = 'result'; result = 'retry'; Retry_Limit = 'no_limits' }
            1..100 | ForEach-Object { @{ n = $_; pad = 'some text to fill the chunk' } } | Send-AgentRecord $p
            Wait-Until { (Get-Metric $p 'result.0' 'retries') -ge 1 } -Because 'the chunk is flushed and scheduled for a retry'

            $started = [DateTime]::UtcNow
            { @{ n = 101 } | Send-AgentRecord $p -TimeoutSeconds 1 -ErrorAction Stop } | Should -Throw -ErrorId 'SendTimeout,CoreAgent.Commands.SendAgentRecordCommand' -ExpectedMessage '*input powershell.0 stayed paused for 1 s*mem_buf_limit (1000 bytes)*0 of 1 records were written*'

            ([DateTime]::UtcNow - $started).TotalSeconds | Should -BeGreaterOrEqual 1
            Get-Metric $p 'powershell.0' 'records' | Should -Be 100
            @($p.RecentLog | Where-Object Message -Like 'powershell.0 paused*').Count | Should -BeGreaterOrEqual 1
        }
    }

    Context 'errors' {
        It 'fails with NoPowerShellInput when the pipeline has no powershell input' {
            $p = Start-AgentPipeline -Name (New-TestName $script:Prefix) -Input dummy -Output null
            { @{ a = 1 } | Send-AgentRecord $p -ErrorAction Stop } | Should -Throw -ErrorId 'NoPowerShellInput,CoreAgent.Commands.SendAgentRecordCommand' -ExpectedMessage "*pipeline '$($p.Name)' has no powershell input*"
        }

        It 'fails with NoPowerShellInput when -Input names no powershell input' {
            $p = Start-AgentPipeline -Name (New-TestName $script:Prefix) -Input powershell -Output null
            { @{ a = 1 } | Send-AgentRecord $p -Input nosuch -ErrorAction Stop } | Should -Throw -ErrorId 'NoPowerShellInput,CoreAgent.Commands.SendAgentRecordCommand'
        }

        It 'fails with PipelineNotRunning before the pipeline starts and after it stopped' {
            $p = New-AgentPipeline -Name (New-TestName $script:Prefix) -Input powershell -Output null
            { @{ a = 1 } | Send-AgentRecord $p -ErrorAction Stop } | Should -Throw -ErrorId 'PipelineNotRunning,CoreAgent.Commands.SendAgentRecordCommand' -ExpectedMessage '*is Created*'

            Start-AgentPipeline $p | Stop-AgentPipeline
            { @{ a = 1 } | Send-AgentRecord $p -ErrorAction Stop } | Should -Throw -ErrorId 'PipelineNotRunning,CoreAgent.Commands.SendAgentRecordCommand'
        }

        It 'writes RecordConversionFailed for an object it cannot convert and sends the others' {
            $p = Start-AgentPipeline -Name (New-TestName $script:Prefix) -Input powershell -Output null

            @{ a = 1 }, @{ Timestamp = [DateTimeOffset]::new(1960, 1, 1, 0, 0, 0, [TimeSpan]::Zero) }, @{ a = 3 } |
                Send-AgentRecord $p -ErrorVariable problems -ErrorAction SilentlyContinue

            $problems.Count | Should -Be 1
            $problems[0].FullyQualifiedErrorId | Should -BeLike 'RecordConversionFailed,*'
            $problems[0].Exception.Message | Should -BeLike '*1970-01-01 to 2106-02-07*'
            Get-Metric $p 'powershell.0' 'records' | Should -Be 2
        }
    }
}

BeforeAll { . (Join-Path $PSScriptRoot 'common.ps1') }

Describe 'Test-AgentPipeline' {
    BeforeAll {
        $script:Prefix = New-TestName 'testpipe'
        $script:Configs = Join-Path $PSScriptRoot 'configs'
        $script:Seconds = 1795639451

        # Records with fixed times, so that a real run and the test can be compared field for field.
        function New-Record([string] $Tag, [int] $Second, [hashtable] $Fields) {
            $record = [ordered]@{}
            if ($Tag) { $record.Tag = $Tag }
            $record.Timestamp = [DateTimeOffset]::FromUnixTimeSeconds($script:Seconds + $Second)
            foreach ($key in $Fields.Keys | Sort-Object) { $record[$key] = $Fields[$key] }
            $record
        }

        # Records as sorted JSON lines (body, Tag, Timestamp, TimestampNanoseconds, Metadata).
        function ConvertTo-Comparable($Records) {
            @($Records | ForEach-Object { $_ | ConvertTo-Json -Depth 10 -Compress } | Sort-Object)
        }

        # Sends records to a started pipeline's powershell input, each under its Tag (left out of the body).
        function Send-Tagged($Pipeline, $Records) {
            foreach ($group in $Records | Group-Object { $_.Tag }) {
                $group.Group | ForEach-Object {
                    $copy = [ordered]@{}
                    foreach ($key in $_.Keys) { if ($key -ne 'Tag') { $copy[$key] = $_[$key] } }
                    $copy
                } | Send-AgentRecord $Pipeline -Tag $group.Name
            }
        }

        # Stops the pipeline (which flushes everything) and returns what each powershell output received.
        function Get-Delivered($Pipeline, [string[]] $Outputs) {
            Stop-AgentPipeline $Pipeline
            $delivered = @{}
            foreach ($name in $Outputs) { $delivered[$name] = @(Receive-AgentRecord $Pipeline -Output $name) }
            $delivered
        }

        # Runs the same -Filter values for real, each output replaced by a powershell output of the
        # same name and Match rules, and checks that every output received what the test captured.
        function Assert-SameAsRealRun($Result, [object[]] $Filter, [object[]] $Output, $Records, [int] $Inputs = 1) {
            $real = for ($i = 0; $i -lt $Output.Count; $i++) {
                $stand = @{ Name = 'powershell'; Alias = $Result.Outputs[$i].Name }
                foreach ($key in 'Match', 'Match_Regex') { if ($Output[$i] -is [hashtable] -and $Output[$i].ContainsKey($key)) { $stand[$key] = $Output[$i][$key] } }
                $stand
            }
            # Other inputs only count (for the default route); they must not add records.
            $inputList = @('powershell')
            if ($Inputs -gt 1) { $inputList += @(1..($Inputs - 1) | ForEach-Object { @{ Name = 'dummy'; Tag = "unused.$_"; Routable = $false } }) }
            $parameters = @{ Name = (New-TestName $script:Prefix); Input = $inputList; Output = $real; Service = @{ Flush = 0.05 } }
            if ($Filter) { $parameters.Filter = $Filter }
            $p = Start-AgentPipeline @parameters
            Send-Tagged $p $Records
            $delivered = Get-Delivered $p $Result.Outputs.Name
            foreach ($capture in $Result.Outputs) {
                ConvertTo-Comparable $capture.Records | Should -Be (ConvertTo-Comparable $delivered[$capture.Name]) -Because "$($capture.Name) gets in the test what it gets for real"
            }
        }

        # web-tier.conf / .yaml with the inputs replaced by one powershell input and each output by
        # a powershell output of the same name and Match rules; the filters are the file's own.
        function ConvertTo-RealConfig([string] $Path, [string] $Destination) {
            $text = Get-Content -LiteralPath $Path -Raw
            if ($Path -like '*.yaml') {
                # The file's filters block as it is, between inputs and outputs of the same shape.
                $filters = [regex]::Match($text, '(?ms)^  filters:.*?(?=^  outputs:)').Value
                $count = @{}
                $outputs = foreach ($entry in [regex]::Split([regex]::Match($text, '(?ms)^  outputs:\r?\n(.*)').Groups[1].Value, '(?m)^(?=    - )') | Where-Object { $_.Trim() }) {
                    $plugin = [regex]::Match($entry, 'name:\s*(\S+)').Groups[1].Value
                    $n = [int]$count[$plugin]; $count[$plugin] = $n + 1
                    $rules = [regex]::Matches($entry, '(?m)^\s+match(_regex)?:.*$') | ForEach-Object { $_.Value.Trim() }
                    "    - name: powershell`n      alias: $plugin.$n`n" + (($rules | ForEach-Object { "      $_`n" }) -join '')
                }
                Set-Content -LiteralPath $Destination -Value ("service:`n  flush: 0.05`npipeline:`n  inputs:`n    - name: powershell`n$filters  outputs:`n" + ($outputs -join ''))
                return
            }
            $sections = [regex]::Split($text, '(?m)^(?=\[)')
            $count = @{}
            $inputWritten = $false
            $out = foreach ($section in $sections) {
                switch -Regex ($section) {
                    '^\[SERVICE\]' { $section -replace '(?m)^\s+plugins_file.*\r?\n', '' -replace '(?m)^(\s+Flush\s+)\S+', '${1}0.05' }
                    '^\[INPUT\]' { if (-not $inputWritten) { $inputWritten = $true; "[INPUT]`n    Name powershell`n`n" } }
                    '^\[OUTPUT\]' {
                        $plugin = [regex]::Match($section, '(?mi)^\s+Name\s+(\S+)').Groups[1].Value
                        $n = [int]$count[$plugin]; $count[$plugin] = $n + 1
                        $rules = [regex]::Matches($section, '(?mi)^\s+Match(_Regex)?\s+.*$') | ForEach-Object Value
                        "[OUTPUT]`n    Name powershell`n    Alias $plugin.$n`n$($rules -join "`n")`n`n"
                    }
                    default { $section }
                }
            }
            Set-Content -LiteralPath $Destination -Value ($out -join '')
        }
    }

    AfterEach { Stop-TestPipeline "$script:Prefix*" }

    Context 'the web-tier configuration (<File>)' -ForEach @(
        @{ File = 'web-tier.conf'; Missing = 'plugins-prod.conf' }
        @{ File = 'web-tier.yaml'; Missing = 'out_cloudwatch_logs.so' }
    ) {
        BeforeAll {
            $script:Path = Join-Path $script:Configs $File
            $script:WebRecords = @(
                New-Record 'web.error' 1 @{ level = 'error'; msg = 'upstream timed out'; status = 504 }
                New-Record 'web.access' 2 @{ level = 'debug'; msg = 'cache hit' }
                New-Record 'web.access' 3 @{ level = 'info'; msg = 'GET /'; status = 200 }
                New-Record 'web.error' 4 @{ level = 'debug'; msg = 'retrying' }
                New-Record 'agent.heartbeat' 5 @{ status = 'ok' }
                New-Record 'db.slow' 6 @{ msg = 'SELECT took 3 s' }
            )
            $script:Result = $script:WebRecords | Test-AgentPipeline $script:Path -WarningAction SilentlyContinue
        }

        It 'sends web errors and access lines to CloudWatch with the env fields, renamed, and debug lines nowhere' {
            $cw = $script:Result.Outputs['cloudwatch_logs.0']
            $cw.Plugin | Should -BeExactly 'cloudwatch_logs'
            $cw.MatchRegex | Should -BeExactly '^web\.(access|error)$'
            $cw.Records | Should -HaveCount 2
            # Records are routed per tag, in the order their tags first came.
            $cw.Records.message | Should -Be @('upstream timed out', 'GET /')
            $cw.Records.Tag | Should -Be @('web.error', 'web.access')
            $cw.Records.env | Sort-Object -Unique | Should -BeExactly 'production'
            $cw.Records.tier | Sort-Object -Unique | Should -BeExactly 'web'
            $cw.Records[0].PSObject.Properties.Name | Should -Not -Contain 'msg'
            $script:Result.Outputs.Records.level | Should -Not -Contain 'debug'
            $script:Result.Filters['grep.0'].Dropped | Should -Be 2
        }

        It 'keeps each record''s time and takes the Tag key out of the body' {
            $cw = $script:Result.Outputs['cloudwatch_logs.0'].Records
            $error504 = $cw | Where-Object status -EQ 504
            $error504.Timestamp | Should -Be ([DateTimeOffset]::FromUnixTimeSeconds($script:Seconds + 1))
            $error504.PSObject.Properties.Name | Should -Not -Contain '_Tag'
            @($error504.PSObject.Properties | Where-Object Name -EQ 'Tag').Count | Should -Be 1
        }

        It 'sends the heartbeat to stdout and reports the record no output matches' {
            $stdout = $script:Result.Outputs['stdout.0']
            $stdout.Records | Should -HaveCount 1
            $stdout.Records[0].status | Should -BeExactly 'ok'
            $script:Result.Unmatched | Should -HaveCount 1
            $script:Result.Unmatched[0].Tag | Should -BeExactly 'db.slow'
            $script:Result.RecordsIn | Should -Be 6
        }

        It 'takes the missing Go plugin as a note and routes a stand-in for it' {
            $script:Result.Outputs['cloudwatch_logs.0'].StandIn | Should -BeTrue
            $script:Result.Outputs['stdout.0'].StandIn | Should -BeFalse
            ($script:Result.Notes -join "`n") | Should -Match ([regex]::Escape($Missing))
            ($script:Result.Notes -join "`n") | Should -Match 'cloudwatch_logs.0'
            # Test-AgentConfig still calls the same file an error, since it cannot run as it is.
            Test-AgentConfig $script:Path | Should -BeFalse
        }

        It 'captures what a real run of the same filters delivers' {
            $real = Join-Path $TestDrive "real-$File"
            ConvertTo-RealConfig $script:Path $real
            $p = Start-AgentPipeline -Path $real -Name (New-TestName $script:Prefix) -WarningAction SilentlyContinue
            $p.Outputs.Name | Should -Be @('cloudwatch_logs.0', 'stdout.0')
            Send-Tagged $p $script:WebRecords
            $delivered = Get-Delivered $p 'cloudwatch_logs.0', 'stdout.0'

            $delivered['cloudwatch_logs.0'] | Should -HaveCount 2
            foreach ($output in $script:Result.Outputs) {
                ConvertTo-Comparable $output.Records | Should -Be (ConvertTo-Comparable $delivered[$output.Name])
            }
        }

        It 'writes the result readably' {
            $text = $script:Result | Out-String
            $text | Should -Match 'cloudwatch_logs\.0 \(cloudwatch_logs, stand-in\): 2 records'
            $text | Should -Match 'grep\.0: 4 in, 2 dropped'
            $text | Should -Match 'Unmatched\s+: 1 records \(tags: db\.slow\)'
            $table = $script:Result.Outputs | Format-Table | Out-String -Width 160
            $table | Should -Match 'cloudwatch_logs\.0\s+cloudwatch_logs\s+yes\s+2 regex \^web\\\.\(access\|error\)\$\s+web\.error, web\.access'
            $table | Should -Match 'stdout\.0\s+stdout\s+1 agent\.\*\s+agent\.heartbeat'
        }
    }

    Context 'filters and routes' {
        It 'routes several inputs'' tags by Match and Match_Regex through grep, record_modifier and modify as a real run does' {
            $filter = @(
                @{ Name = 'grep'; Match = 'app.*'; Exclude = 'level ^debug$' }
                @{ Name = 'record_modifier'; Match_Regex = '^(app|sys)\.'; Record = 'host web1', 'dc eu1' }
                @{ Name = 'modify'; Match = 'sys.*'; Rename = 'text message'; Set = 'kind system' }
            )
            $output = @(
                @{ Name = 'stdout'; Match = 'app.*' }
                @{ Name = 'null'; Match_Regex = '^sys\.(kern|auth)$' }
                @{ Name = 'file'; Match = '*'; Path = (Join-Path $TestDrive 'never') }
            )
            $records = @(
                New-Record 'app.api' 1 @{ level = 'info'; text = 'hello' }
                New-Record 'app.api' 2 @{ level = 'debug'; text = 'noise' }
                New-Record 'sys.kern' 3 @{ text = 'oom' }
                New-Record 'sys.cron' 4 @{ text = 'job' }
                New-Record 'other' 5 @{ text = 'x' }
            )

            $r = $records | Test-AgentPipeline -Input powershell, @{ Name = 'dummy'; Tag = 'unused.1' } -Filter $filter -Output $output -WarningAction SilentlyContinue

            $r.Outputs.Name | Should -Be @('stdout.0', 'null.0', 'file.0')
            $r.Outputs['stdout.0'].Records.text | Should -Be @('hello')
            $r.Outputs['stdout.0'].Records[0].host | Should -BeExactly 'web1'
            $r.Outputs['null.0'].Records.message | Should -Be @('oom')
            $r.Outputs['null.0'].Records[0].kind | Should -BeExactly 'system'
            $r.Outputs['file.0'].Records | Should -HaveCount 4
            $r.Unmatched | Should -BeNullOrEmpty
            Join-Path $TestDrive 'never' | Should -Not -Exist
            Assert-SameAsRealRun $r $filter $output $records -Inputs 2
        }

        It 'runs a script-block filter as a real run does' {
            $filter = @(
                { if ($_.level -ne 'debug') { $_ | Add-Member -NotePropertyName seen -NotePropertyValue $_.Tag -PassThru } }
                @{ Name = 'powershell'; Match = 'b'; Script = '@{ upper = $_.text.ToUpper() }; @{ copy = $_.text }' }
            )
            $output = @(@{ Name = 'stdout'; Match = 'a' }, @{ Name = 'stdout'; Match = 'b' })
            $records = @(
                New-Record 'a' 1 @{ level = 'info'; text = 'one' }
                New-Record 'a' 2 @{ level = 'debug'; text = 'two' }
                New-Record 'b' 3 @{ level = 'warn'; text = 'three' }
            )

            $r = $records | Test-AgentPipeline -Input powershell -Filter $filter -Output $output

            $r.Outputs['stdout.0'].Records | Should -HaveCount 1
            $r.Outputs['stdout.0'].Records[0].seen | Should -BeExactly 'a'
            $b = $r.Outputs['stdout.1'].Records
            $b | Should -HaveCount 2
            $b[0].upper | Should -BeExactly 'THREE'
            $b[1].copy | Should -BeExactly 'three'
            $r.Filters['powershell.1'].Added | Should -Be 1
            Assert-SameAsRealRun $r $filter $output $records
        }

        It 'fails with FilterFailed when a script-block filter throws, naming the filter and the line' {
            $records = @(New-Record 'a' 1 @{ n = 1 })
            $err = { $records | Test-AgentPipeline -Input powershell -Output stdout -Filter { if ($_.n -eq 1) {
                        throw 'bad record' } } } | Should -Throw -ErrorId 'FilterFailed,*' -PassThru
            $err.Exception.Message | Should -Match 'powershell\.0'
            $err.Exception.Message | Should -Match "tag 'a'"
            $err.Exception.Message | Should -Match 'bad record'
            $err.Exception.Message | Should -Match 'line 2 of the script'
        }

        It 'fails with FilterFailed when a script-block filter outputs something that is not a record' {
            { @{ n = 1 } | Test-AgentPipeline -Input powershell -Output stdout -Filter { 'a string' } } |
                Should -Throw -ErrorId 'FilterFailed,*'
        }

        It 'gives the only output without Match every record of the only input, whatever the tag, as a real run does' {
            $records = @(New-Record 'anything' 1 @{ a = 1 }; New-Record 'else.entirely' 2 @{ a = 2 })
            $r = $records | Test-AgentPipeline -Input powershell -Output stdout

            $r.Outputs['stdout.0'].DefaultRoute | Should -BeTrue
            $r.Outputs['stdout.0'].Records | Should -HaveCount 2
            $r.Unmatched | Should -BeNullOrEmpty
            Assert-SameAsRealRun $r @() @('stdout') $records
        }

        It 'gives outputs without Match nothing when there are two of them, as a real run does' {
            $records = @(New-Record 'x' 1 @{ a = 1 })
            $r = $records | Test-AgentPipeline -Input powershell -Output stdout, null -WarningAction SilentlyContinue

            $r.Outputs.DefaultRoute | Should -Be @($false, $false)
            $r.Outputs.Records | Should -BeNullOrEmpty
            $r.Unmatched | Should -HaveCount 1
            Assert-SameAsRealRun $r @() @('stdout', 'null') $records
        }
    }

    Context 'tags' {
        It 'uses the only input''s tag without -Tag' {
            $r = @{ msg = 'hi' } | Test-AgentPipeline -Input @{ Name = 'dummy'; Tag = 'app.log' } -Output @{ Name = 'stdout'; Match = 'app.*' }
            $r.Outputs['stdout.0'].Records[0].Tag | Should -BeExactly 'app.log'
        }

        It 'uses -Tag for records without a Tag, and a Tag property over -Tag' {
            $records = @([pscustomobject]@{ msg = 'plain' }, [pscustomobject]@{ Tag = 'b'; msg = 'own' }, @{ tag = 'b'; msg = 'key' })
            $r = $records | Test-AgentPipeline -Input powershell -Output @{ Name = 'stdout'; Match = 'a' }, @{ Name = 'null'; Match = 'b' } -Tag a
            $r.Outputs['stdout.0'].Records.msg | Should -Be @('plain')
            $r.Outputs['null.0'].Records.msg | Should -Be @('own', 'key')
            $r.Outputs['null.0'].Records | ForEach-Object { @($_.PSObject.Properties.Name) | Should -Be @('msg', 'Tag', 'Timestamp', 'TimestampNanoseconds', 'Metadata') }
        }

        It 'keeps a Tag that is not a string in the body' {
            $r = @{ Tag = 5; msg = 'x' } | Test-AgentPipeline -Input powershell -Output stdout -Tag t
            $record = $r.Outputs['stdout.0'].Records[0]
            $record.Tag | Should -Be 5
            $record._Tag | Should -BeExactly 't'
        }

        It 'routes a CoreAgent.Record by its own Tag' {
            $first = @{ msg = 'x' } | Test-AgentPipeline -Input powershell -Output stdout -Tag original
            $again = $first.Outputs['stdout.0'].Records | Test-AgentPipeline -Input powershell -Output @{ Name = 'stdout'; Match = 'original' }, @{ Name = 'null'; Match = 'other' } -Tag other
            $again.Outputs['stdout.0'].Records | Should -HaveCount 1
            $again.Outputs['stdout.0'].Records[0].Timestamp | Should -Be $first.Outputs['stdout.0'].Records[0].Timestamp
        }

        It 'fails with TagRequired for a record without a tag when the pipeline has several inputs' {
            { @{ msg = 'x' } | Test-AgentPipeline -Input powershell, dummy -Output @{ Name = 'stdout'; Match = '*' } } |
                Should -Throw -ErrorId 'TagRequired,*'
        }

        It 'returns empty captures for no records' {
            $r = Test-AgentPipeline -Input powershell -Output stdout
            $r.RecordsIn | Should -Be 0
            $r.Outputs['stdout.0'].Records | Should -BeNullOrEmpty
        }
    }

    Context 'Go outputs' {
        It 'routes a Go output whose -PluginPath is missing through a stand-in' {
            $missing = Join-Path $TestDrive 'no/out_kinesis.so'
            $r = @(New-Record 'k.1' 1 @{ a = 1 }; New-Record 'z' 2 @{ a = 2 }) |
                Test-AgentPipeline -Input powershell -Output @{ Name = 'kinesis_streams'; Match = 'k.*'; stream = 's1'; region = 'x' } -PluginPath $missing -WarningAction SilentlyContinue
            $r.Outputs['kinesis_streams.0'].StandIn | Should -BeTrue
            $r.Outputs['kinesis_streams.0'].Records.a | Should -Be @(1)
            $r.Unmatched.a | Should -Be @(2)
            ($r.Notes -join "`n") | Should -Match ([regex]::Escape($missing))
        }

        It 'calls an unknown output an unknown plugin when no plugin is missing' {
            { @{ a = 1 } | Test-AgentPipeline -Input powershell -Output kinesis_streams } |
                Should -Throw -ErrorId 'InvalidPipelineDefinition,*'
        }

        It 'captures for a Go plugin that is there without initialising or flushing it' {
            $gstdout = Get-TestPlugin 'out_gstdout'
            $script = @"
Import-Module '$script:ModulePath'
`$r = @{ msg = 'must-not-print' } | Test-AgentPipeline -Input powershell -Output gstdout -PluginPath '$gstdout'
'captured=' + `$r.Outputs['gstdout.0'].Records.Count + ' standin=' + `$r.Outputs['gstdout.0'].StandIn
"@
            $child = Invoke-ChildPwsh $script
            $child.Error | Should -BeNullOrEmpty
            $child.Output | Should -Be @('captured=1 standin=False')
        }
    }

    Context 'configuration problems' {
        It 'stops with InvalidConfiguration carrying the findings Test-AgentConfig reports' {
            $bad = Join-Path $TestDrive 'bad.conf'
            Set-Content $bad "[INPUT]`n    Name dumy`n`n[OUTPUT]`n    Name stdout`n    Match *`n    Colour red`n"
            $expected = @(Test-AgentConfig $bad -Detailed | Where-Object Severity -EQ 'Error')

            $err = { @{ a = 1 } | Test-AgentPipeline $bad } | Should -Throw -ErrorId 'InvalidConfiguration,*' -PassThru

            $expected.Code | Should -Be @('unknown-plugin', 'unknown-property')
            @($err.TargetObject.Code) | Should -Be $expected.Code
            @($err.TargetObject.Line) | Should -Be $expected.Line
        }

        It 'stops with InvalidPipelineDefinition for a bad -Output value' {
            { Test-AgentPipeline -Input powershell -Output @{ Name = 'stdout'; Workers = 'many' } } |
                Should -Throw -ErrorId 'InvalidPipelineDefinition,*'
        }

        It 'writes the configuration''s warnings and keeps them in Findings' {
            $conf = Join-Path $TestDrive 'warn.conf'
            Set-Content $conf "[SERVICE]`n    Flush 1`n    Bogus_Key 1`n`n[INPUT]`n    Name dummy`n    Tag d`n`n[OUTPUT]`n    Name stdout`n    Match d`n"
            $r = Test-AgentPipeline $conf -WarningVariable warnings -WarningAction SilentlyContinue
            $r.Findings.Code | Should -Contain 'unknown-service-key'
            ($warnings -join "`n") | Should -Match 'Bogus_Key'
        }

        It 'starts no input: the port of a forward input stays free for someone else' {
            $listener = [System.Net.Sockets.TcpListener]::new([System.Net.IPAddress]::Loopback, 0)
            $listener.Start()
            try {
                $port = $listener.LocalEndpoint.Port
                $r = @{ a = 1 } | Test-AgentPipeline -Input @{ Name = 'forward'; Port = $port; Tag = 'fw' } -Output stdout
                $r.Outputs['stdout.0'].Records | Should -HaveCount 1
            }
            finally {
                $listener.Stop()
            }
        }
    }
}

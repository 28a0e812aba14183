BeforeAll { . (Join-Path $PSScriptRoot 'common.ps1') }

Describe 'Start-AgentPipeline' {
    BeforeAll {
        $script:Prefix = New-TestName 'start'
        $script:Gstdout = Get-TestPlugin 'out_gstdout'
        $null = Import-AgentPlugin (Get-TestPlugin 'out_counter'), (Get-TestPlugin 'out_multiinstance'), (Get-TestPlugin 'out_result')
        $script:Stamp = @{ start_time_sec = 1795639451; start_time_nsec = 784245484; fixed_timestamp = $true }
        # One dummy tick of N records, all with the same timestamp.
        function New-Burst([int] $Copies, [hashtable] $Extra = @{}) {
            @{ Name = 'dummy'; copies = $Copies; samples = 1; rate = 20 } + $script:Stamp + $Extra
        }
    }

    AfterEach { Stop-TestPipeline "$script:Prefix*" }

    Context 'fluent-bit -e out_gstdout.so -i dummy -o gstdout' {
        It 'starts in the background and the records reach the Go plugin' {
            $name = New-TestName "$script:Prefix-gstdout"

            $p = Start-AgentPipeline -Name $name -PluginPath $script:Gstdout -Input dummy -Output gstdout

            @($p).Count | Should -Be 1
            $p.State | Should -BeExactly 'Running'
            $p.StartTime | Should -Not -BeNullOrEmpty
            $p.Inputs.Name | Should -Be @('dummy.0')
            $p.Outputs.Name | Should -Be @('gstdout.0')
            $p.Outputs[0].Route | Should -BeExactly '*'
            Wait-Until { (Get-Metric $p 'gstdout.0' 'proc_records') -ge 2 } -Because 'two records reach gstdout'
            Stop-AgentPipeline $p

            $records = Get-Metric $p 'dummy.0' 'records'
            Get-Metric $p 'gstdout.0' 'proc_records' | Should -Be $records
            # [[EventTime, {}], {"message": "dummy"}] is 28 bytes of msgpack.
            Get-Metric $p 'gstdout.0' 'proc_bytes' | Should -Be (28 * $records)
            Get-Metric $p 'dummy.0' 'bytes' | Should -Be (28 * $records)
            Get-Metric $p 'gstdout.0' 'errors' | Should -Be 0
            Get-Metric $p 'gstdout.0' 'dropped_records' | Should -Be 0
        }

        It 'prints every record in the plugin''s format with nanosecond timestamps (child process)' {
            $script = @'
param($ModulePath, $Plugin)
$ErrorActionPreference = 'Stop'
Import-Module $ModulePath
$p = Start-AgentPipeline -PluginPath $Plugin -Output gstdout -Input @{ Name = 'dummy'; copies = 3; samples = 1; rate = 20; start_time_sec = 1795639451; start_time_nsec = 784245484; fixed_timestamp = $true }
$deadline = [DateTime]::UtcNow.AddSeconds(60)
while ($p.Outputs[0].Metrics['proc_records'] -lt 3 -and [DateTime]::UtcNow -lt $deadline) { Start-Sleep -Milliseconds 50 }
Stop-AgentPipeline $p
'PROC:' + $p.Outputs[0].Metrics['proc_records']
'@
            $run = Invoke-ChildPwsh $script -ArgumentList $script:ModulePath, $script:Gstdout

            $run.ExitCode | Should -Be 0 -Because $run.Error
            $run.Output | Should -Contain 'PROC:3'
            @($run.Output | Where-Object { $_ -match '^\[\d+\] ' }) | Should -Be @(
                '[0] dummy.0: [1795639451.784245484, {"message": "dummy"}]'
                '[1] dummy.0: [1795639451.784245484, {"message": "dummy"}]'
                '[2] dummy.0: [1795639451.784245484, {"message": "dummy"}]'
            )
        }

        It 'runs -Input dummy -Output gstdout -Wait -Duration and prints one line per record (child process)' {
            $script = @'
param($ModulePath, $Plugin)
$ErrorActionPreference = 'Stop'
Import-Module $ModulePath
$p = Start-AgentPipeline -PluginPath $Plugin -Input dummy -Output gstdout -Wait -Duration 00:00:03
'STATE:' + $p.State
'PROC:' + $p.Outputs[0].Metrics['proc_records']
'@
            $run = Invoke-ChildPwsh $script -ArgumentList $script:ModulePath, $script:Gstdout

            $run.ExitCode | Should -Be 0 -Because $run.Error
            $run.Output | Should -Contain 'STATE:Stopped'
            $proc = [int](($run.Output | Where-Object { $_.StartsWith('PROC:') }).Substring(5))
            $proc | Should -BeGreaterOrEqual 1
            $lines = @($run.Output | Where-Object { $_ -match '^\[\d+\] ' })
            $lines.Count | Should -Be $proc
            # Each chunk is printed from index 0 up.
            $previous = -1
            foreach ($line in $lines) {
                $line -match '^\[(\d+)\] dummy\.0: \[\d{10}\.\d{9}, \{"message": "dummy"\}\]$' | Should -BeTrue -Because $line
                $index = [int]$Matches[1]
                $index | Should -BeIn @(0, ($previous + 1))
                $previous = $index
            }
        }
    }

    Context '-Duration values' {
        It 'takes a number as seconds, a numeric string as seconds, and a TimeSpan as it is (<Shown>)' -ForEach @(
            @{ Shown = '1'; Value = 1 }
            @{ Shown = '1.5'; Value = 1.5 }
            @{ Shown = '"1"'; Value = '1' }
            @{ Shown = '"00:00:01"'; Value = '00:00:01' }
            @{ Shown = 'TimeSpan'; Value = [TimeSpan]::FromSeconds(1) }
        ) {
            $clock = [System.Diagnostics.Stopwatch]::StartNew()
            $p = Start-AgentPipeline -Name (New-TestName "$script:Prefix-duration") -Input dummy -Output null -Duration $Value
            Wait-Until { $p.State -eq 'Stopped' } -TimeoutSeconds 30 -Because 'the pipeline stops at the end of -Duration'
            $clock.Elapsed.TotalSeconds | Should -BeGreaterOrEqual 0.9
        }

        It 'refuses a negative number of seconds by the range check' {
            { Start-AgentPipeline -Input dummy -Output null -Duration -5 } | Should -Throw -ErrorId 'ParameterArgumentValidationError,*'
        }
    }

    Context '-Wait -Duration' {
        It 'runs for the duration, stops by itself and returns a Stopped handle with its counters' {
            $name = New-TestName "$script:Prefix-wait"
            $clock = [System.Diagnostics.Stopwatch]::StartNew()

            $result = @(Start-AgentPipeline -Name $name -Input (New-Burst 5) -Output null -Wait -Duration 00:00:02)

            $clock.Stop()
            $result.Count | Should -Be 1
            $p = $result[0]
            $p.GetType().FullName | Should -Be 'CoreAgent.Commands.AgentPipelineInfo'
            $p.Name | Should -BeExactly $name
            $p.State | Should -BeExactly 'Stopped'
            $clock.Elapsed | Should -BeGreaterOrEqual ([timespan]::FromSeconds(2))
            $p.Uptime | Should -BeGreaterOrEqual ([timespan]::FromSeconds(1.9))
            $p.Metrics['input']['dummy.0']['records'] | Should -Be 5
            $p.Metrics['output']['null.0']['proc_records'] | Should -Be 5
            $p.Metrics['output']['null.0']['proc_bytes'] | Should -Be (5 * 28)
            (Get-AgentPipeline -Id $p.Id).State | Should -BeExactly 'Stopped'
        }

        It 'writes the engine log to the verbose stream' {
            $name = New-TestName "$script:Prefix-verbose"

            $stream = Start-AgentPipeline -Name $name -Input dummy -Output null -Wait -Duration 00:00:01 -Verbose 4>&1
            $verbose = @($stream | Where-Object { $_ -is [System.Management.Automation.VerboseRecord] } | ForEach-Object Message)

            @($verbose | Where-Object { $_ -like "``[engine``] pipeline '$name' started: *" }).Count | Should -Be 1
            $verbose | Should -Contain "[engine] pipeline '$name' stopped"
            @($stream | Where-Object { $_ -isnot [System.Management.Automation.VerboseRecord] }).Count | Should -Be 1
        }

        It 'writes engine warnings to the warning stream (a Go plugin asking for a reserved key)' {
            $out = Join-Path $TestDrive 'reserved.txt'

            Start-AgentPipeline -Name (New-TestName "$script:Prefix-reserved") -Input dummy `
                -Output @{ Name = 'counter'; id = 'r'; path = $out; probe_reserved = 'true'; host = 'example.org' } `
                -Wait -Duration 00:00:01 -WarningVariable warnings -WarningAction SilentlyContinue | Out-Null

            @($warnings.Message) | Should -Contain "[go] counter.0: plugin 'counter' reads 'host', which you set; the engine keeps that key for itself, so the plugin reads `"`" as in Fluent Bit"
            (Get-FileLine $out)[0] | Should -BeExactly 'host='
        }

        It 'says nothing when the plugin reads a reserved key that the user did not set' {
            $out = Join-Path $TestDrive 'reserved-unset.txt'

            Start-AgentPipeline -Name (New-TestName "$script:Prefix-reserved") -Input dummy `
                -Output @{ Name = 'counter'; id = 'r'; path = $out; probe_reserved = 'true' } `
                -Wait -Duration 00:00:01 -WarningVariable warnings -WarningAction SilentlyContinue | Out-Null

            (Get-FileLine $out)[0] | Should -BeExactly 'host='
            @($warnings.Message | Where-Object { $_ -like '*host*' }).Count | Should -Be 0
        }

        It 'with -Duration alone returns a Running handle at once and stops later by itself' {
            $p = Start-AgentPipeline -Name (New-TestName "$script:Prefix-duration") -Input dummy -Output null -Duration 00:00:01

            $p.State | Should -BeExactly 'Running'
            Wait-Until { $p.State -eq 'Stopped' } -Because 'the pipeline stops after its duration'
            $p.Uptime | Should -BeGreaterOrEqual ([timespan]::FromSeconds(0.9))
        }

        It 'rejects a zero duration' {
            { Start-AgentPipeline -Input dummy -Output null -Duration 0 } |
                Should -Throw -ErrorId 'ParameterArgumentValidationError,CoreAgent.Commands.StartAgentPipelineCommand'
        }
    }

    Context 'what a Go plugin receives' {
        It 'out_counter gets every field, the metadata, the tag and the nanosecond timestamp exactly' {
            $out = Join-Path $TestDrive 'exact.jsonl'
            $record = '{"msg":"hi","n":7,"f":1.5,"b":true,"z":null,"a":[1,"x"],"m":{"k":"v"},"neg":-3,"big":18446744073709551615}'
            $p = Start-AgentPipeline -Name (New-TestName "$script:Prefix-exact") `
                -Input (New-Burst 2 @{ dummy = $record; metadata = '{"mk":"mv"}'; Tag = 'app.log' }) `
                -Output @{ Name = 'counter'; id = 'a'; path = $out }

            Wait-Until { (Get-Metric $p 'counter.0' 'proc_records') -eq 2 } -Because 'two records reach counter'
            Stop-AgentPipeline $p

            $line = '{"id":"a","tag":"app.log","sec":1795639451,"nsec":784245484,"meta":{"mk":"mv"},"record":{"a":[1,"x"],"b":true,"big":18446744073709551615,"f":1.5,"m":{"k":"v"},"msg":"hi","n":7,"neg":-3,"z":null}}'
            Get-FileLine $out | Should -Be @($line, $line, '{"id":"a","exit":true,"total":2}')
        }

        It 'gives timestamps with nanoseconds below one second exactly (start_time_nsec <Nsec>)' -ForEach @(
            @{ Nsec = 0 }
            @{ Nsec = 1 }
            @{ Nsec = 999999999 }
        ) {
            $out = Join-Path $TestDrive "nsec-$Nsec.jsonl"
            $p = Start-AgentPipeline -Name (New-TestName "$script:Prefix-nsec") `
                -Input @{ Name = 'dummy'; dummy = '{"k":1}'; samples = 1; rate = 20; start_time_sec = 1; start_time_nsec = $Nsec; fixed_timestamp = $true } `
                -Output @{ Name = 'counter'; id = 't'; path = $out }
            Wait-Until { (Get-Metric $p 'counter.0' 'proc_records') -eq 1 } -Because 'the record arrives'
            Stop-AgentPipeline $p

            (Get-FileLine $out)[0] | Should -BeExactly ('{"id":"t","tag":"dummy.0","sec":1,"nsec":' + $Nsec + ',"meta":{},"record":{"k":1}}')
        }

        It 'gives two out_multiinstance instances their own context (id and path)' {
            $one = Join-Path $TestDrive 'one.txt'
            $two = Join-Path $TestDrive 'two.txt'
            $p = Start-AgentPipeline -Name (New-TestName "$script:Prefix-multi") -Input (New-Burst 3) `
                -Output @{ Name = 'multiinstance'; id = 'one'; path = $one; Match = '*' }, @{ Name = 'multiinstance'; id = 'two'; path = $two; Match = '*' }

            $p.Outputs.Name | Should -Be @('multiinstance.0', 'multiinstance.1')
            Wait-Until { (Get-Metric $p 'multiinstance.0' 'proc_records') -eq 3 -and (Get-Metric $p 'multiinstance.1' 'proc_records') -eq 3 } -Because 'both instances flush'
            Stop-AgentPipeline $p

            Get-FileLine $one | Should -Be @("one`tdummy.0`t3", "exit`tone")
            Get-FileLine $two | Should -Be @("two`tdummy.0`t3", "exit`ttwo")
        }

        It 'keeps the contexts apart when both instances write to one file' {
            $shared = Join-Path $TestDrive 'shared.txt'
            $p = Start-AgentPipeline -Name (New-TestName "$script:Prefix-shared") `
                -Input (New-Burst 2 @{ Tag = 'a' }), (New-Burst 4 @{ Tag = 'b' }) `
                -Output @{ Name = 'multiinstance'; id = 'first'; path = $shared; Match = 'a' }, @{ Name = 'multiinstance'; id = 'second'; path = $shared; Match = 'b' }
            Wait-Until { (Get-Metric $p 'multiinstance.0' 'proc_records') -eq 2 -and (Get-Metric $p 'multiinstance.1' 'proc_records') -eq 4 } -Because 'both instances flush'
            Stop-AgentPipeline $p

            $lines = Get-FileLine $shared
            $lines | Where-Object { -not $_.StartsWith('exit') } | Sort-Object | Should -Be @("first`ta`t2", "second`tb`t4")
            $lines | Where-Object { $_.StartsWith('exit') } | Sort-Object | Should -Be @("exit`tfirst", "exit`tsecond")
        }
    }

    Context 'routing with Match and Match_Regex' {
        BeforeAll {
            $script:Dir = Join-Path $TestDrive 'routing'
            New-Item -ItemType Directory -Path $script:Dir | Out-Null
            function Out-Counter([string] $Id, [hashtable] $Route) {
                @{ Name = 'counter'; id = $Id; path = (Join-Path $script:Dir "$Id.jsonl") } + $Route
            }
            $script:Routed = Start-AgentPipeline -Name (New-TestName "$script:Prefix-routing") `
                -Input (New-Burst 2 @{ Tag = 'app.web'; dummy = '{"src":"web"}' }), (New-Burst 3 @{ Tag = 'sys.kernel'; dummy = '{"src":"kernel"}' }) `
                -Output (Out-Counter 'web' @{ Match = 'app.*' }),
                        (Out-Counter 'sys' @{ Match_Regex = 'sys' }),
                        (Out-Counter 'all' @{ Match = '*' }),
                        (Out-Counter 'star' @{ Match = 'app*' }),
                        (Out-Counter 'upper' @{ Match = 'APP.*' }),
                        (Out-Counter 'middle' @{ Match_Regex = 'kernel' }),
                        (Out-Counter 'regexfirst' @{ Match = 'sys.*'; Match_Regex = '^app' }),
                        (Out-Counter 'nomatch' @{}) `
                -WarningVariable routingWarnings -WarningAction SilentlyContinue
            $script:RoutingWarnings = $routingWarnings
            $p = $script:Routed
            Wait-Until {
                (Get-Metric $p 'counter.0' 'proc_records') -eq 2 -and (Get-Metric $p 'counter.1' 'proc_records') -eq 3 -and
                (Get-Metric $p 'counter.2' 'proc_records') -eq 5 -and (Get-Metric $p 'counter.3' 'proc_records') -eq 2 -and
                (Get-Metric $p 'counter.6' 'proc_records') -eq 2
            } -Because 'every matching output receives its records'
            Stop-AgentPipeline $p
            function Get-Routed([string] $Id) { Get-FileLine (Join-Path $script:Dir "$Id.jsonl") }
            $script:Web = '{"id":"{0}","tag":"app.web","sec":1795639451,"nsec":784245484,"meta":{},"record":{"src":"web"}}'
            $script:Kernel = '{"id":"{0}","tag":"sys.kernel","sec":1795639451,"nsec":784245484,"meta":{},"record":{"src":"kernel"}}'
        }

        It 'Match app.* receives only app.web' {
            Get-Routed 'web' | Should -Be @(($script:Web -replace '\{0\}', 'web'), ($script:Web -replace '\{0\}', 'web'), '{"id":"web","exit":true,"total":2}')
        }

        It 'Match_Regex sys matches from the start of the tag without reaching its end' {
            $k = $script:Kernel -replace '\{0\}', 'sys'
            Get-Routed 'sys' | Should -Be @($k, $k, $k, '{"id":"sys","exit":true,"total":3}')
        }

        It 'Match * receives both tags' {
            $lines = Get-Routed 'all'
            $lines.Count | Should -Be 6
            @($lines | Where-Object { $_ -eq ($script:Web -replace '\{0\}', 'all') }).Count | Should -Be 2
            @($lines | Where-Object { $_ -eq ($script:Kernel -replace '\{0\}', 'all') }).Count | Should -Be 3
            $lines[-1] | Should -BeExactly '{"id":"all","exit":true,"total":5}'
        }

        It '* also matches dots (app* covers app.web)' {
            (Get-Routed 'star')[-1] | Should -BeExactly '{"id":"star","exit":true,"total":2}'
        }

        It 'Match is case-sensitive (APP.* receives nothing)' {
            Get-Routed 'upper' | Should -Be @('{"id":"upper","exit":true,"total":0}')
        }

        It 'Match_Regex must match at the start of the tag (kernel receives nothing)' {
            Get-Routed 'middle' | Should -Be @('{"id":"middle","exit":true,"total":0}')
        }

        It 'Match_Regex is tried first: with both, only the regex decides' {
            $w = $script:Web -replace '\{0\}', 'regexfirst'
            Get-Routed 'regexfirst' | Should -Be @($w, $w, '{"id":"regexfirst","exit":true,"total":2}')
        }

        It 'an output without Match receives nothing when there are two inputs, with a warning' {
            Get-Routed 'nomatch' | Should -Be @('{"id":"nomatch","exit":true,"total":0}')
            @($script:RoutingWarnings.Message) | Should -Contain '[router] NO match for counter.7 output instance'
        }

        It 'shows each output''s route' {
            $script:Routed.Outputs[0].Route | Should -BeExactly 'app.*'
            $script:Routed.Inputs.Route | Should -Be @('app.web', 'sys.kernel')
        }
    }

    Context 'retries and errors (out_result)' {
        It 'retries once with Retry_Limit 1, then drops the chunk: retries and retries_failed' {
            $flushes = Join-Path $TestDrive 'retry.txt'
            $p = Start-AgentPipeline -Name (New-TestName "$script:Prefix-retry") -Service @{ 'scheduler.base' = 1; 'scheduler.cap' = 1 } `
                -Input (New-Burst 4) -Output @{ Name = 'result'; result = 'retry'; Retry_Limit = 1; path = $flushes }

            Wait-Until { (Get-Metric $p 'result.0' 'retries_failed') -eq 1 } -Because 'the retry runs out'
            Stop-AgentPipeline $p

            $m = $p.Outputs[0].Metrics
            $m['retries'] | Should -Be 1
            $m['retried_records'] | Should -Be 4
            $m['retries_failed'] | Should -Be 1
            $m['dropped_records'] | Should -Be 4
            $m['proc_records'] | Should -Be 0
            $m['errors'] | Should -Be 0
            Get-FileLine $flushes | Should -Be @("1`tdummy.0`t4`t2", "2`tdummy.0`t4`t2")
            @($p.RecentLog | Where-Object { $_.Level -eq 'Warn' -and $_.Message -match "chunk 'dummy\.0' .*cannot be retried" }).Count | Should -Be 1
        }

        It 'retries twice with Retry_Limit 2' {
            $flushes = Join-Path $TestDrive 'retry2.txt'
            $p = Start-AgentPipeline -Name (New-TestName "$script:Prefix-retry2") -Service @{ 'scheduler.base' = 1; 'scheduler.cap' = 1 } `
                -Input (New-Burst 4) -Output @{ Name = 'result'; result = 'retry'; Retry_Limit = 2; path = $flushes }

            Wait-Until { (Get-Metric $p 'result.0' 'retries_failed') -eq 1 } -Because 'the retries run out'
            Stop-AgentPipeline $p

            $m = $p.Outputs[0].Metrics
            $m['retries'] | Should -Be 2
            $m['retried_records'] | Should -Be 8
            $m['retries_failed'] | Should -Be 1
            $m['dropped_records'] | Should -Be 4
            Get-FileLine $flushes | Should -Be @("1`tdummy.0`t4`t2", "2`tdummy.0`t4`t2", "3`tdummy.0`t4`t2")
        }

        It 'delivers on the retry when the first flush asks for one (fail_first 1)' {
            $flushes = Join-Path $TestDrive 'retry-ok.txt'
            $p = Start-AgentPipeline -Name (New-TestName "$script:Prefix-retryok") -Service @{ 'scheduler.base' = 1; 'scheduler.cap' = 1 } `
                -Input (New-Burst 4) -Output @{ Name = 'result'; result = 'retry'; fail_first = 1; path = $flushes }

            Wait-Until { (Get-Metric $p 'result.0' 'proc_records') -eq 4 } -Because 'the retry succeeds'
            Stop-AgentPipeline $p

            $m = $p.Outputs[0].Metrics
            $m['retries'] | Should -Be 1
            $m['retried_records'] | Should -Be 4
            $m['retries_failed'] | Should -Be 0
            $m['dropped_records'] | Should -Be 0
            $m['proc_bytes'] | Should -Be (4 * 28)
            Get-FileLine $flushes | Should -Be @("1`tdummy.0`t4`t2", "2`tdummy.0`t4`t1")
        }

        It 'drops at once with Retry_Limit no_retries: dropped_records, no retry, and (as Fluent Bit) no retries_failed' {
            $flushes = Join-Path $TestDrive 'noretries.txt'
            $p = Start-AgentPipeline -Name (New-TestName "$script:Prefix-noretries") `
                -Input (New-Burst 4) -Output @{ Name = 'result'; result = 'retry'; Retry_Limit = 'no_retries'; path = $flushes }

            Wait-Until { (Get-Metric $p 'result.0' 'dropped_records') -eq 4 } -Because 'the chunk is dropped'
            Stop-AgentPipeline $p

            $m = $p.Outputs[0].Metrics
            $m['retries'] | Should -Be 0
            $m['retried_records'] | Should -Be 0
            $m['proc_records'] | Should -Be 0
            Get-FileLine $flushes | Should -Be @("1`tdummy.0`t4`t2")
            # Fluent Bit (flb_engine.c, handle_output_event): FLB_RETRY with retry_limit no_retries adds to
            # dropped_records only and logs "is not retried (no retry config)"; retries_failed counts exhausted retries.
            $m['retries_failed'] | Should -Be 0
        }

        It 'counts errors and dropped_records for FLB_ERROR, without retrying' {
            $flushes = Join-Path $TestDrive 'error.txt'
            $p = Start-AgentPipeline -Name (New-TestName "$script:Prefix-error") `
                -Input (New-Burst 4) -Output @{ Name = 'result'; result = 'error'; path = $flushes }

            Wait-Until { (Get-Metric $p 'result.0' 'errors') -eq 1 } -Because 'the flush fails'
            Stop-AgentPipeline $p

            $m = $p.Outputs[0].Metrics
            $m['errors'] | Should -Be 1
            $m['dropped_records'] | Should -Be 4
            $m['retries'] | Should -Be 0
            $m['retries_failed'] | Should -Be 0
            $m['proc_records'] | Should -Be 0
            Get-FileLine $flushes | Should -Be @("1`tdummy.0`t4`t0")
        }

        It 'treats any other flush result (7) as an error' {
            $p = Start-AgentPipeline -Name (New-TestName "$script:Prefix-seven") -Input (New-Burst 3) -Output @{ Name = 'result'; result = '7' }

            Wait-Until { (Get-Metric $p 'result.0' 'errors') -eq 1 } -Because 'the flush result counts as an error'
            Stop-AgentPipeline $p

            Get-Metric $p 'result.0' 'dropped_records' | Should -Be 3
            Get-Metric $p 'result.0' 'retries' | Should -Be 0
        }

        It 'keeps a failing output from holding up another output' {
            $out = Join-Path $TestDrive 'healthy.jsonl'
            $p = Start-AgentPipeline -Name (New-TestName "$script:Prefix-isolated") -Service @{ 'scheduler.base' = 1; 'scheduler.cap' = 1; Grace = 1 } -Input (New-Burst 4) `
                -Output @{ Name = 'result'; result = 'retry'; Retry_Limit = 'no_limits'; Match = '*' }, @{ Name = 'counter'; id = 'h'; path = $out; Match = '*' }

            Wait-Until { (Get-Metric $p 'counter.0' 'proc_records') -eq 4 -and (Get-Metric $p 'result.0' 'retries') -ge 1 } -Because 'the healthy output gets its records'
            (Get-Metric $p 'result.0' 'proc_records') | Should -Be 0
        }
    }

    Context 'workers' {
        It 'with workers 2 every record of every chunk arrives exactly once, and the instance exits once' {
            $out = Join-Path $TestDrive 'workers.jsonl'
            $p = Start-AgentPipeline -Name (New-TestName "$script:Prefix-workers") `
                -Input @{ Name = 'dummy'; Tag = 'a'; dummy = '{"t":"a"}'; copies = 500; samples = 4; rate = 10 }, @{ Name = 'dummy'; Tag = 'b'; dummy = '{"t":"b"}'; copies = 300; samples = 4; rate = 10 } `
                -Output @{ Name = 'counter'; id = 'w'; path = $out; workers = 2; Match = '*' } -Service @{ Flush = 0.2 }

            Wait-Until { (Get-Metric $p 'counter.0' 'proc_records') -eq 3200 } -Because 'all 3200 records arrive'
            Stop-AgentPipeline $p

            $lines = Get-FileLine $out
            $lines.Count | Should -Be 3201
            @($lines | Where-Object { $_.Contains('"tag":"a"') }).Count | Should -Be 2000
            @($lines | Where-Object { $_.Contains('"tag":"b"') }).Count | Should -Be 1200
            @($lines | Where-Object { $_.Contains('"exit":true') }) | Should -Be @('{"id":"w","exit":true,"total":3200}')
            Get-Metric $p 'counter.0' 'errors' | Should -Be 0
        }

        It 'runs two flush threads for the instance with workers 2 (one with the default)' {
            # Output worker threads are named "CoreAgent output <instance> #<n>" (Linux keeps the first 15 characters).
            # Count the new thread ids, so that threads of other pipelines ending meanwhile do not matter.
            function Get-OutputThreadId {
                @(Get-ChildItem "/proc/$PID/task" | Where-Object { (Get-Content (Join-Path $_.FullName 'comm') -ErrorAction SilentlyContinue) -like 'CoreAgent outp*' } | ForEach-Object Name)
            }
            $before = Get-OutputThreadId
            Start-AgentPipeline -Name (New-TestName "$script:Prefix-w1") -Input dummy -Output null | Out-Null
            $afterOne = Get-OutputThreadId
            Start-AgentPipeline -Name (New-TestName "$script:Prefix-w2") -Input dummy -Output @{ Name = 'null'; workers = 2 } | Out-Null
            $afterTwo = Get-OutputThreadId

            @($afterOne | Where-Object { $_ -notin $before }).Count | Should -Be 1
            @($afterTwo | Where-Object { $_ -notin $afterOne }).Count | Should -Be 2
        }
    }

    Context 'starting a pipeline handle' {
        It 'starts a created pipeline from the pipeline and returns the same handle' {
            $p = New-AgentPipeline -Name (New-TestName "$script:Prefix-handle") -Input dummy -Output null

            $started = $p | Start-AgentPipeline

            $started.Id | Should -Be $p.Id
            $started.State | Should -BeExactly 'Running'
        }

        It 'starts several handles from the pipeline' {
            $a = New-AgentPipeline -Name (New-TestName "$script:Prefix-a") -Input dummy -Output null
            $b = New-AgentPipeline -Name (New-TestName "$script:Prefix-b") -Input dummy -Output null

            $started = @($a, $b | Start-AgentPipeline)

            $started.Id | Should -Be @($a.Id, $b.Id)
            $a.State | Should -BeExactly 'Running'
            $b.State | Should -BeExactly 'Running'
        }

        It 'gives PipelineAlreadyStarted for a running pipeline' {
            $p = Start-AgentPipeline -Name (New-TestName "$script:Prefix-twice") -Input dummy -Output null

            $again = Start-AgentPipeline -Pipeline $p -ErrorVariable problems -ErrorAction SilentlyContinue

            $again | Should -BeNullOrEmpty
            $problems.Count | Should -Be 1
            $problems[0].FullyQualifiedErrorId | Should -BeExactly 'PipelineAlreadyStarted,CoreAgent.Commands.StartAgentPipelineCommand'
            $problems[0].CategoryInfo.Category | Should -Be 'InvalidOperation'
            $p.State | Should -BeExactly 'Running'
        }

        It 'gives PipelineAlreadyStarted for a stopped pipeline (a pipeline starts once)' {
            $p = Start-AgentPipeline -Name (New-TestName "$script:Prefix-restart") -Input dummy -Output null
            Stop-AgentPipeline $p

            $p | Start-AgentPipeline -ErrorVariable problems -ErrorAction SilentlyContinue | Should -BeNullOrEmpty
            $problems[0].FullyQualifiedErrorId | Should -BeExactly 'PipelineAlreadyStarted,CoreAgent.Commands.StartAgentPipelineCommand'
            $p.State | Should -BeExactly 'Stopped'
        }
    }

    Context 'failures' {
        It 'gives InvalidPipelineDefinition for a bad definition and creates nothing' {
            $name = New-TestName "$script:Prefix-invalid"

            { Start-AgentPipeline -Name $name -Input @{ Name = 'dummy'; nope = 1 } -Output null } |
                Should -Throw -ErrorId 'InvalidPipelineDefinition,CoreAgent.Commands.StartAgentPipelineCommand'
            Get-AgentPipeline -Name $name -ErrorAction SilentlyContinue | Should -BeNullOrEmpty
        }

        It 'gives PipelineStartFailed when an input fails to initialise, and exits the outputs already initialised' {
            $out = Join-Path $TestDrive 'input-fails.jsonl'
            $name = New-TestName "$script:Prefix-inputfail"

            # dummy accepts any JSON at build time, but a record that is not an object fails its Init.
            $result = Start-AgentPipeline -Name $name -Input @{ Name = 'dummy'; dummy = '[1,2]' } -Output @{ Name = 'counter'; id = 'x'; path = $out } `
                -ErrorVariable problems -ErrorAction SilentlyContinue

            $result | Should -BeNullOrEmpty
            $problems.Count | Should -Be 1
            $problems[0].FullyQualifiedErrorId | Should -BeExactly 'PipelineStartFailed,CoreAgent.Commands.StartAgentPipelineCommand'
            (Get-AgentPipeline -Name $name).State | Should -BeExactly 'Failed'
            Get-FileLine $out | Should -Be @('{"id":"x","exit":true,"total":0}')
        }

        It 'gives PipelineStartFailed with -Wait too, and returns nothing' {
            Import-AgentPlugin (Get-TestPlugin 'out_initfail') | Out-Null

            $result = Start-AgentPipeline -Name (New-TestName "$script:Prefix-waitfail") -Input dummy -Output initfail -Wait -Duration 00:00:30 `
                -ErrorVariable problems -ErrorAction SilentlyContinue -WarningAction SilentlyContinue

            $result | Should -BeNullOrEmpty
            $problems[0].FullyQualifiedErrorId | Should -BeExactly 'PipelineStartFailed,CoreAgent.Commands.StartAgentPipelineCommand'
        }
    }

    Context '-WhatIf' {
        It 'creates and starts nothing for a definition' {
            $name = New-TestName "$script:Prefix-whatif"

            Start-AgentPipeline -Name $name -Input dummy -Output null -WhatIf | Should -BeNullOrEmpty

            Get-AgentPipeline -Name $name -ErrorAction SilentlyContinue | Should -BeNullOrEmpty
        }

        It 'leaves a created pipeline Created' {
            $p = New-AgentPipeline -Name (New-TestName "$script:Prefix-whatif2") -Input dummy -Output null

            $p | Start-AgentPipeline -WhatIf | Should -BeNullOrEmpty

            $p.State | Should -BeExactly 'Created'
        }
    }
}

Describe 'Start-AgentPipeline -Debug' {
    It 'streams the engine lines without a prompt, also where there is no terminal' {
        # -NonInteractive makes any prompt an error: before, the first info line asked "Continue with this operation?".
        $child = Invoke-ChildPwsh @"
Import-Module '$script:ModulePath'
Start-AgentPipeline -Input @{ Name = 'dummy'; Samples = 2 } -Output null -Wait -Duration 3 -Debug 5>&1 | ForEach-Object { "line: `$_" }
"@
        $child.Error | Should -Not -Match 'Confirm|NullReference|PromptForChoice'
        $child.ExitCode | Should -Be 0
        $child.Output | Should -Contain "line: [engine] pipeline 'pipeline' started: 1 input(s), 0 filter(s), 1 output(s), flush 1s"
    }

    It 'Log_Level trace shows each flush' {
        $lines = Start-AgentPipeline -Input @{ Name = 'dummy'; Samples = 1 } -Output null -Wait -Duration 3 -Debug -Service @{ Log_Level = 'trace' } 5>&1 |
            ForEach-Object { "$_" }
        $lines | Where-Object { $_ -like '*null.0: flush chunk*records=1*' } | Should -Not -BeNullOrEmpty
        $lines | Where-Object { $_ -like '*null.0: task_id=*returned Ok after*' } | Should -Not -BeNullOrEmpty
    }
}

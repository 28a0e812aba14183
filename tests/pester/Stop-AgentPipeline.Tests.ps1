BeforeAll { . (Join-Path $PSScriptRoot 'common.ps1') }

Describe 'Stop-AgentPipeline' {
    BeforeAll {
        $script:Prefix = New-TestName 'stop'
        $null = Import-AgentPlugin (Get-TestPlugin 'out_counter'), (Get-TestPlugin 'out_multiinstance'), (Get-TestPlugin 'out_result')
        $script:Stamp = @{ start_time_sec = 1795639451; start_time_nsec = 784245484; fixed_timestamp = $true }
    }

    AfterEach { Stop-TestPipeline "$script:Prefix*" }

    Context 'a graceful stop' {
        It 'delivers every record accepted before the stop, though the Flush interval has not come' {
            $out = Join-Path $TestDrive 'graceful.jsonl'
            $p = Start-AgentPipeline -Name (New-TestName "$script:Prefix-graceful") -Service @{ Flush = 60 } `
                -Input (@{ Name = 'dummy'; dummy = '{"k":"v"}'; copies = 7; samples = 1; rate = 20 } + $script:Stamp) `
                -Output @{ Name = 'counter'; id = 'g'; path = $out }
            Wait-Until { (Get-Metric $p 'dummy.0' 'records') -eq 7 } -Because 'the input has produced its seven records'
            # Flush is 60 s: nothing has been handed to the output yet.
            Get-Metric $p 'counter.0' 'proc_records' | Should -Be 0
            Test-Path $out | Should -BeFalse
            $clock = [System.Diagnostics.Stopwatch]::StartNew()

            $result = Stop-AgentPipeline $p

            $clock.Elapsed | Should -BeLessThan ([timespan]::FromSeconds(30))
            $result | Should -BeNullOrEmpty
            $p.State | Should -BeExactly 'Stopped'
            Get-Metric $p 'counter.0' 'proc_records' | Should -Be 7
            $line = '{"id":"g","tag":"dummy.0","sec":1795639451,"nsec":784245484,"meta":{},"record":{"k":"v"}}'
            Get-FileLine $out | Should -Be (@($line) * 7 + '{"id":"g","exit":true,"total":7}')
        }

        It 'delivers everything a continuously producing input accepted: input records = proc_records = lines' {
            $out = Join-Path $TestDrive 'continuous.jsonl'
            $p = Start-AgentPipeline -Name (New-TestName "$script:Prefix-continuous") -Service @{ Flush = 60 } `
                -Input @{ Name = 'dummy'; rate = 200 } -Output @{ Name = 'counter'; id = 'c'; path = $out }
            Wait-Until { (Get-Metric $p 'dummy.0' 'records') -ge 100 } -Because 'the input has produced records'

            Stop-AgentPipeline $p

            $records = Get-Metric $p 'dummy.0' 'records'
            Get-Metric $p 'counter.0' 'proc_records' | Should -Be $records
            Get-Metric $p 'counter.0' 'dropped_records' | Should -Be 0
            $lines = Get-FileLine $out
            $lines.Count | Should -Be ($records + 1)
            $lines[-1] | Should -BeExactly ('{"id":"c","exit":true,"total":' + $records + '}')
        }

        It 'waits at most Grace for a chunk that keeps asking for retries, then discards and counts it' {
            $p = Start-AgentPipeline -Name (New-TestName "$script:Prefix-grace") -Service @{ Grace = 1; 'scheduler.base' = 30; 'scheduler.cap' = 30 } `
                -Input @{ Name = 'dummy'; copies = 4; samples = 1; rate = 20 } -Output @{ Name = 'result'; result = 'retry'; Retry_Limit = 'no_limits' }
            Wait-Until { (Get-Metric $p 'result.0' 'retries') -eq 1 } -Because 'the first flush asks for a retry'
            $clock = [System.Diagnostics.Stopwatch]::StartNew()

            Stop-AgentPipeline $p

            $clock.Elapsed | Should -BeLessThan ([timespan]::FromSeconds(20))
            $p.State | Should -BeExactly 'Stopped'
            Get-Metric $p 'result.0' 'dropped_records' | Should -Be 4
            Get-Metric $p 'result.0' 'proc_records' | Should -Be 0
            @($p.RecentLog | Where-Object { $_.Level -eq 'Warn' -and $_.Message -match 'grace period' }).Count | Should -BeGreaterOrEqual 1
        }

        It 'exits every Go instance exactly once, also when stopped twice' {
            $one = Join-Path $TestDrive 'exit-one.txt'
            $two = Join-Path $TestDrive 'exit-two.txt'
            $p = Start-AgentPipeline -Name (New-TestName "$script:Prefix-exit") -Input dummy `
                -Output @{ Name = 'multiinstance'; id = 'one'; path = $one; Match = '*' }, @{ Name = 'multiinstance'; id = 'two'; path = $two; Match = '*' }

            Stop-AgentPipeline $p
            Stop-AgentPipeline $p -ErrorVariable problems

            $problems.Count | Should -Be 0
            $p.State | Should -BeExactly 'Stopped'
            @(Get-FileLine $one | Where-Object { $_.StartsWith('exit') }) | Should -Be @("exit`tone")
            @(Get-FileLine $two | Where-Object { $_.StartsWith('exit') }) | Should -Be @("exit`ttwo")
        }
    }

    Context 'parameters' {
        It 'returns nothing without -PassThru and the stopped handle with it' {
            $a = Start-AgentPipeline -Name (New-TestName "$script:Prefix-quiet") -Input dummy -Output null
            $b = Start-AgentPipeline -Name (New-TestName "$script:Prefix-passthru") -Input dummy -Output null

            Stop-AgentPipeline $a | Should -BeNullOrEmpty
            $returned = @(Stop-AgentPipeline $b -PassThru)

            $returned.Count | Should -Be 1
            $returned[0].GetType().FullName | Should -Be 'CoreAgent.Commands.AgentPipelineInfo'
            $returned[0].Id | Should -Be $b.Id
            $returned[0].State | Should -BeExactly 'Stopped'
            $a.State | Should -BeExactly 'Stopped'
        }

        It 'stops the pipeline named by -Name and leaves the others running' {
            $target = Start-AgentPipeline -Name (New-TestName "$script:Prefix-byname") -Input dummy -Output null
            $other = Start-AgentPipeline -Name (New-TestName "$script:Prefix-other") -Input dummy -Output null

            Stop-AgentPipeline -Name $target.Name

            $target.State | Should -BeExactly 'Stopped'
            $other.State | Should -BeExactly 'Running'
        }

        It 'stops every pipeline a -Name wildcard matches' {
            $group = New-TestName "$script:Prefix-group"
            $a = Start-AgentPipeline -Name "$group-a" -Input dummy -Output null
            $b = Start-AgentPipeline -Name "$group-b" -Input dummy -Output null
            $other = Start-AgentPipeline -Name (New-TestName "$script:Prefix-outside") -Input dummy -Output null

            $stopped = @(Stop-AgentPipeline -Name "$group-*" -PassThru)

            @($stopped.Id | Sort-Object) | Should -Be @(@($a.Id, $b.Id) | Sort-Object)
            $a.State | Should -BeExactly 'Stopped'
            $b.State | Should -BeExactly 'Stopped'
            $other.State | Should -BeExactly 'Running'
        }

        It 'gives PipelineNotFound for an unknown -Name' {
            $result = Stop-AgentPipeline -Name 'no-such-pipeline-9f2c' -PassThru -ErrorVariable problems -ErrorAction SilentlyContinue

            $result | Should -BeNullOrEmpty
            $problems.Count | Should -Be 1
            $problems[0].FullyQualifiedErrorId | Should -BeExactly 'PipelineNotFound,CoreAgent.Commands.StopAgentPipelineCommand'
            $problems[0].CategoryInfo.Category | Should -Be 'ObjectNotFound'
            $problems[0].TargetObject | Should -BeExactly 'no-such-pipeline-9f2c'
        }

        It 'writes no error for a wildcard that matches nothing' {
            Stop-AgentPipeline -Name 'no-such-pipeline-*-9f2c' -ErrorVariable problems | Should -BeNullOrEmpty
            $problems.Count | Should -Be 0
        }

        It 'takes handles from the pipeline (also from Get-AgentPipeline)' {
            $a = Start-AgentPipeline -Name (New-TestName "$script:Prefix-piped") -Input dummy -Output null
            $b = Start-AgentPipeline -Name (New-TestName "$script:Prefix-piped") -Input dummy -Output null

            $a | Stop-AgentPipeline
            Get-AgentPipeline -Id $b.Id | Stop-AgentPipeline

            $a.State | Should -BeExactly 'Stopped'
            $b.State | Should -BeExactly 'Stopped'
        }

        It 'stops nothing with -WhatIf' {
            $p = Start-AgentPipeline -Name (New-TestName "$script:Prefix-whatif") -Input dummy -Output null

            Stop-AgentPipeline $p -PassThru -WhatIf | Should -BeNullOrEmpty
            Stop-AgentPipeline -Name $p.Name -WhatIf

            $p.State | Should -BeExactly 'Running'
        }
    }

    Context 'pipelines that are not running' {
        It 'marks a created pipeline Stopped; it cannot be started afterwards' {
            $p = New-AgentPipeline -Name (New-TestName "$script:Prefix-created") -Input dummy -Output null

            Stop-AgentPipeline $p -ErrorVariable problems

            $problems.Count | Should -Be 0
            $p.State | Should -BeExactly 'Stopped'
            $p | Start-AgentPipeline -ErrorVariable startProblems -ErrorAction SilentlyContinue | Should -BeNullOrEmpty
            $startProblems[0].FullyQualifiedErrorId | Should -BeExactly 'PipelineAlreadyStarted,CoreAgent.Commands.StartAgentPipelineCommand'
        }

        It 'leaves a failed pipeline Failed, without an error' {
            Import-AgentPlugin (Get-TestPlugin 'out_initfail') | Out-Null
            $name = New-TestName "$script:Prefix-failed"
            Start-AgentPipeline -Name $name -Input dummy -Output initfail -ErrorAction SilentlyContinue
            $p = Get-AgentPipeline -Name $name

            Stop-AgentPipeline $p -ErrorVariable problems

            $problems.Count | Should -Be 0
            $p.State | Should -BeExactly 'Failed'
        }
    }
}

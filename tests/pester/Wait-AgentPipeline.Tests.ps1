BeforeAll { . (Join-Path $PSScriptRoot 'common.ps1') }

Describe 'Wait-AgentPipeline' {
    BeforeAll {
        $script:Prefix = New-TestName 'wait'
    }

    AfterEach { Stop-TestPipeline "$script:Prefix*" }

    Context 'a pipeline that stops by itself' {
        It 'returns the pipeline once -Duration has stopped it' {
            $p = Start-AgentPipeline -Name (New-TestName "$script:Prefix-duration") -Input @{ Name = 'dummy'; copies = 3; samples = 1; rate = 20 } -Output null -Duration 00:00:02
            $p.State | Should -BeExactly 'Running'
            $clock = [System.Diagnostics.Stopwatch]::StartNew()

            $result = @(Wait-AgentPipeline $p)

            $clock.Elapsed | Should -BeGreaterThan ([timespan]::FromSeconds(1))
            $result.Count | Should -Be 1
            $result[0].GetType().FullName | Should -Be 'CoreAgent.Commands.AgentPipelineInfo'
            $result[0].Id | Should -Be $p.Id
            $result[0].State | Should -BeExactly 'Stopped'
            Get-Metric $result[0] 'null.0' 'proc_records' | Should -Be 3
        }

        It 'returns it within a generous -Timeout' {
            $p = Start-AgentPipeline -Name (New-TestName "$script:Prefix-bounded") -Input dummy -Output null -Duration 00:00:01

            $result = @(Wait-AgentPipeline -Pipeline $p -Timeout 00:01:00)

            $result.Id | Should -Be @($p.Id)
            $p.State | Should -BeExactly 'Stopped'
        }

        It 'returns every pipeline once all have stopped' {
            $a = Start-AgentPipeline -Name (New-TestName "$script:Prefix-all") -Input dummy -Output null -Duration 00:00:01
            $b = Start-AgentPipeline -Name (New-TestName "$script:Prefix-all") -Input dummy -Output null -Duration 00:00:02

            $result = @($a, $b | Wait-AgentPipeline -Timeout 00:01:00)

            $result.Id | Should -Be @($a.Id, $b.Id)
            $a.State | Should -BeExactly 'Stopped'
            $b.State | Should -BeExactly 'Stopped'
        }
    }

    Context '-Timeout' {
        It 'returns nothing, and no error, while the pipeline is still running' {
            $p = Start-AgentPipeline -Name (New-TestName "$script:Prefix-running") -Input dummy -Output null
            $clock = [System.Diagnostics.Stopwatch]::StartNew()

            $result = Wait-AgentPipeline $p -Timeout 00:00:01 -ErrorVariable problems

            $clock.Elapsed | Should -BeGreaterOrEqual ([timespan]::FromMilliseconds(900))
            $clock.Elapsed | Should -BeLessThan ([timespan]::FromSeconds(30))
            $result | Should -BeNullOrEmpty
            $problems.Count | Should -Be 0
            $p.State | Should -BeExactly 'Running'
        }

        It 'returns only the pipelines that stopped before the timeout' {
            $stops = Start-AgentPipeline -Name (New-TestName "$script:Prefix-stops") -Input dummy -Output null -Duration 00:00:01
            $runs = Start-AgentPipeline -Name (New-TestName "$script:Prefix-runs") -Input dummy -Output null

            $result = @(Wait-AgentPipeline $stops, $runs -Timeout 00:00:05)

            $result.Id | Should -Be @($stops.Id)
            $runs.State | Should -BeExactly 'Running'
        }

        It 'returns nothing for a pipeline that was created but never started' {
            $p = New-AgentPipeline -Name (New-TestName "$script:Prefix-created") -Input dummy -Output null

            Wait-AgentPipeline $p -Timeout 00:00:01 | Should -BeNullOrEmpty

            $p.State | Should -BeExactly 'Created'
        }
    }

    Context 'pipelines that are already down' {
        It 'returns a stopped pipeline at once' {
            $p = Start-AgentPipeline -Name (New-TestName "$script:Prefix-stopped") -Input dummy -Output null
            Stop-AgentPipeline $p
            $clock = [System.Diagnostics.Stopwatch]::StartNew()

            $result = @(Wait-AgentPipeline $p -Timeout 00:01:00)

            $clock.Elapsed | Should -BeLessThan ([timespan]::FromSeconds(10))
            $result.Id | Should -Be @($p.Id)
        }

        It 'returns a failed pipeline at once' {
            Import-AgentPlugin (Get-TestPlugin 'out_initfail') | Out-Null
            $name = New-TestName "$script:Prefix-failed"
            Start-AgentPipeline -Name $name -Input dummy -Output initfail -ErrorAction SilentlyContinue

            $result = @(Wait-AgentPipeline -Name $name -Timeout 00:01:00)

            $result.Count | Should -Be 1
            $result[0].State | Should -BeExactly 'Failed'
        }
    }

    Context '-Name' {
        It 'waits for the pipelines named, with wildcards' {
            $group = New-TestName "$script:Prefix-group"
            $a = Start-AgentPipeline -Name "$group-a" -Input dummy -Output null -Duration 00:00:01
            $b = Start-AgentPipeline -Name "$group-b" -Input dummy -Output null -Duration 00:00:01

            $result = @(Wait-AgentPipeline -Name "$group-*" -Timeout 00:01:00)

            @($result.Id | Sort-Object) | Should -Be @(@($a.Id, $b.Id) | Sort-Object)
            $result.State | Sort-Object -Unique | Should -Be 'Stopped'
        }

        It 'gives PipelineNotFound for an unknown name' {
            $result = Wait-AgentPipeline -Name "$script:Prefix-missing" -Timeout 00:00:05 -ErrorVariable problems -ErrorAction SilentlyContinue

            $result | Should -BeNullOrEmpty
            $problems.Count | Should -Be 1
            $problems[0].FullyQualifiedErrorId | Should -BeExactly 'PipelineNotFound,CoreAgent.Commands.WaitAgentPipelineCommand'
            $problems[0].TargetObject | Should -BeExactly "$script:Prefix-missing"
        }

        It 'writes no error for a wildcard that matches nothing' {
            Wait-AgentPipeline -Name "$script:Prefix-zz*" -Timeout 00:00:05 -ErrorVariable problems | Should -BeNullOrEmpty
            $problems.Count | Should -Be 0
        }
    }
}

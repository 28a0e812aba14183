BeforeAll { . (Join-Path $PSScriptRoot 'common.ps1') }

Describe 'Get-AgentPipeline' {
    BeforeAll {
        $script:Prefix = New-TestName 'get'
        $script:Stamp = @{ start_time_sec = 1795639451; start_time_nsec = 784245484; fixed_timestamp = $true }
        $script:A = New-AgentPipeline -Name "$script:Prefix-alpha" -Input dummy -Output null
        $script:B = New-AgentPipeline -Name "$script:Prefix-beta" -Input dummy -Output null
        $script:C = New-AgentPipeline -Name "$script:Prefix-gamma" -Input dummy -Output null
    }

    AfterAll { Stop-TestPipeline "$script:Prefix*" }

    Context 'listing' {
        It 'lists every pipeline of the session, ours included, in creation order' {
            $all = @(Get-AgentPipeline)
            $ours = @($all | Where-Object Name -Like "$script:Prefix-*")

            $ours.Id | Should -Be @($script:A.Id, $script:B.Id, $script:C.Id)
            $all[0].GetType().FullName | Should -Be 'CoreAgent.Commands.AgentPipelineInfo'
            $created = @($all.CreatedAt)
            $created | Should -Be @($created | Sort-Object)
        }

        It 'returns the same live handle that New-AgentPipeline returned' {
            $found = Get-AgentPipeline -Id $script:A.Id
            [object]::ReferenceEquals($found, $script:A) | Should -BeTrue
        }
    }

    Context '-Name' {
        It 'finds one pipeline by its exact name, by position' {
            $found = @(Get-AgentPipeline "$script:Prefix-beta")
            $found.Count | Should -Be 1
            $found[0].Id | Should -Be $script:B.Id
        }

        It 'ignores case' {
            @(Get-AgentPipeline -Name "$script:Prefix-BETA".ToUpperInvariant()).Id | Should -Be @($script:B.Id)
        }

        It 'expands wildcards: <Pattern> finds <Expected>' -ForEach @(
            @{ Pattern = '-*'; Expected = @('alpha', 'beta', 'gamma') }
            @{ Pattern = '-*a'; Expected = @('alpha', 'beta', 'gamma') }
            @{ Pattern = '-?eta'; Expected = @('beta') }
            @{ Pattern = '-[ag]*'; Expected = @('alpha', 'gamma') }
        ) {
            $names = @(Get-AgentPipeline -Name "$script:Prefix$Pattern").Name
            $names | Should -Be @($Expected | ForEach-Object { "$script:Prefix-$_" })
        }

        It 'accepts several names' {
            @(Get-AgentPipeline -Name "$script:Prefix-gamma", "$script:Prefix-alpha").Id | Should -Be @($script:C.Id, $script:A.Id)
        }

        It 'returns every pipeline that has the name' {
            $name = New-TestName "$script:Prefix-same"
            $one = New-AgentPipeline -Name $name -Input dummy -Output null
            $two = New-AgentPipeline -Name $name -Input dummy -Output null

            @(Get-AgentPipeline -Name $name).Id | Should -Be @($one.Id, $two.Id)
        }

        It 'gives PipelineNotFound for an unknown name' {
            $result = Get-AgentPipeline -Name "$script:Prefix-missing" -ErrorVariable problems -ErrorAction SilentlyContinue

            $result | Should -BeNullOrEmpty
            $problems.Count | Should -Be 1
            $problems[0].FullyQualifiedErrorId | Should -BeExactly 'PipelineNotFound,CoreAgent.Commands.GetAgentPipelineCommand'
            $problems[0].CategoryInfo.Category | Should -Be 'ObjectNotFound'
            $problems[0].TargetObject | Should -BeExactly "$script:Prefix-missing"
            $problems[0].Exception.Message | Should -Match ([regex]::Escape("$script:Prefix-missing"))
        }

        It 'is a terminating error with -ErrorAction Stop' {
            { Get-AgentPipeline -Name "$script:Prefix-missing" -ErrorAction Stop } |
                Should -Throw -ErrorId 'PipelineNotFound,CoreAgent.Commands.GetAgentPipelineCommand'
        }

        It 'writes no error for a wildcard that matches nothing' {
            Get-AgentPipeline -Name "$script:Prefix-zz*" -ErrorVariable problems | Should -BeNullOrEmpty
            $problems.Count | Should -Be 0
        }

        It 'returns the found names and one error per missing name' {
            $found = @(Get-AgentPipeline -Name "$script:Prefix-alpha", "$script:Prefix-nope" -ErrorVariable problems -ErrorAction SilentlyContinue)
            $found.Id | Should -Be @($script:A.Id)
            $problems.Count | Should -Be 1
        }

        It 'takes names from the pipeline by property name' {
            @([pscustomobject]@{ Name = "$script:Prefix-gamma" } | Get-AgentPipeline).Id | Should -Be @($script:C.Id)
        }
    }

    Context '-Id' {
        It 'finds a pipeline by id' {
            $found = @(Get-AgentPipeline -Id $script:B.Id)
            $found.Count | Should -Be 1
            $found[0].Name | Should -BeExactly "$script:Prefix-beta"
        }

        It 'finds several ids in the order given' {
            @(Get-AgentPipeline -Id $script:C.Id, $script:A.Id).Name | Should -Be @("$script:Prefix-gamma", "$script:Prefix-alpha")
        }

        It 'gives PipelineNotFound for an unknown id' {
            $id = [guid]::NewGuid()

            $result = Get-AgentPipeline -Id $id -ErrorVariable problems -ErrorAction SilentlyContinue

            $result | Should -BeNullOrEmpty
            $problems.Count | Should -Be 1
            $problems[0].FullyQualifiedErrorId | Should -BeExactly 'PipelineNotFound,CoreAgent.Commands.GetAgentPipelineCommand'
            $problems[0].TargetObject | Should -BeExactly $id.ToString()
        }

        It 'takes ids from the pipeline by property name' {
            @([pscustomobject]@{ Id = $script:A.Id } | Get-AgentPipeline).Name | Should -Be @("$script:Prefix-alpha")
        }

        It 'takes a pipeline handle from the pipeline' {
            @($script:B | Get-AgentPipeline).Id | Should -Be @($script:B.Id)
        }

        It 'rejects -Name together with -Id' {
            { Get-AgentPipeline -Name 'x' -Id ([guid]::NewGuid()) } | Should -Throw -ErrorId 'AmbiguousParameterSet,CoreAgent.Commands.GetAgentPipelineCommand'
        }
    }

    Context 'the handle is live' {
        It 'shows state, start time, uptime and counters as the pipeline runs and stops' {
            $name = New-TestName "$script:Prefix-live"
            $p = New-AgentPipeline -Name $name -Input (@{ Name = 'dummy'; dummy = '{"a":1}'; copies = 3; samples = 1; rate = 20 } + $script:Stamp) -Output null
            (Get-AgentPipeline -Name $name).State | Should -BeExactly 'Created'

            $p | Start-AgentPipeline | Out-Null
            $running = Get-AgentPipeline -Name $name
            $running.State | Should -BeExactly 'Running'
            $running.StartTime | Should -BeOfType [DateTimeOffset]
            Wait-Until { (Get-AgentPipeline -Name $name).Metrics['output']['null.0']['proc_records'] -eq 3 } -Because 'three records are delivered'
            $uptime1 = (Get-AgentPipeline -Name $name).Uptime
            Wait-Until { (Get-AgentPipeline -Name $name).Uptime -gt $uptime1 } -Because 'uptime grows while running'

            Stop-AgentPipeline -Name $name
            $stopped = Get-AgentPipeline -Name $name
            $stopped.State | Should -BeExactly 'Stopped'
            $final = $stopped.Uptime
            $final | Should -BeGreaterThan ([timespan]::Zero)
            (Get-AgentPipeline -Name $name).Uptime | Should -Be $final
        }

        It 'shows the counters under Fluent Bit''s metric names, per instance' {
            $name = New-TestName "$script:Prefix-metrics"
            $p = Start-AgentPipeline -Name $name -Input (@{ Name = 'dummy'; dummy = '{"a":1}'; copies = 3; samples = 1; rate = 20 } + $script:Stamp) -Output null
            Wait-Until { (Get-Metric $p 'null.0' 'proc_records') -eq 3 } -Because 'three records are delivered'
            Stop-AgentPipeline $p

            $found = Get-AgentPipeline -Name $name
            @($found.Metrics.Keys) | Should -Be @('input', 'output')
            @($found.Metrics['input'].Keys) | Should -Be @('dummy.0')
            @($found.Metrics['output'].Keys) | Should -Be @('null.0')
            $in = $found.Metrics['input']['dummy.0']
            @($in.Keys) | Should -Be @('records', 'bytes')
            $in['records'] | Should -Be 3
            # [[EventTime, {}], {"a": 1}] is 17 bytes of msgpack.
            $in['bytes'] | Should -Be 51
            $out = $found.Metrics['output']['null.0']
            @($out.Keys) | Should -Be @('proc_records', 'proc_bytes', 'errors', 'retries', 'retries_failed', 'dropped_records', 'retried_records')
            $out['proc_records'] | Should -Be 3
            $out['proc_bytes'] | Should -Be 51
            $out['errors'] + $out['retries'] + $out['retries_failed'] + $out['dropped_records'] + $out['retried_records'] | Should -Be 0

            $found.Inputs[0].Name | Should -BeExactly 'dummy.0'
            $found.Inputs[0].Plugin | Should -BeExactly 'dummy'
            $found.Inputs[0].Metrics['records'] | Should -Be 3
            $found.Outputs[0].Name | Should -BeExactly 'null.0'
            $found.Outputs[0].Metrics['proc_records'] | Should -Be 3
        }

        It 'shows the error of a failed pipeline' {
            Import-AgentPlugin (Get-TestPlugin 'out_initfail') | Out-Null
            $name = New-TestName "$script:Prefix-failed"
            Start-AgentPipeline -Name $name -Input dummy -Output initfail -ErrorAction SilentlyContinue

            $found = Get-AgentPipeline -Name $name

            $found.State | Should -BeExactly 'Failed'
            $found.Error | Should -BeLike "Go plugin 'initfail' (initfail.0) refused to start: FLBPluginInit returned 0 (FLB_ERROR). The plugin rejected its configuration*its own messages, printed just above, say why."
            @($found.RecentLog | Where-Object { $_.Level -eq 'Error' -and $_.Message -match "pipeline '$name' failed to start" }).Count | Should -Be 1
        }
    }
}

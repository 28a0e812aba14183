BeforeAll { . (Join-Path $PSScriptRoot 'common.ps1') }

Describe 'New-AgentPipeline' {
    BeforeAll {
        $script:Prefix = New-TestName 'new'
        $script:Counter = Get-TestPlugin 'out_counter'
        Import-AgentPlugin $script:Counter | Out-Null
        $script:Stamp = @{ start_time_sec = 1795639451; start_time_nsec = 784245484; fixed_timestamp = $true }

        # The error record of a terminating error thrown by the script block.
        function Get-TerminatingError([scriptblock] $Action) {
            try { & $Action | Out-Null } catch { return $_ }
            throw 'expected a terminating error, but the command succeeded'
        }
    }

    AfterAll { Stop-TestPipeline "$script:Prefix*" }

    Context 'a valid definition' {
        It 'returns a Created handle with its name, id and instances' {
            $name = New-TestName "$script:Prefix-created"

            $p = New-AgentPipeline -Name $name -Input dummy -Output null

            @($p).Count | Should -Be 1
            $p.GetType().FullName | Should -Be 'CoreAgent.Commands.AgentPipelineInfo'
            $p.Name | Should -BeExactly $name
            $p.State | Should -BeExactly 'Created'
            $p.Id | Should -BeOfType [guid]
            $p.Id | Should -Not -Be ([guid]::Empty)
            $p.StartTime | Should -BeNullOrEmpty
            $p.Uptime | Should -Be ([timespan]::Zero)
            $p.Error | Should -BeNullOrEmpty
            $p.Inputs.Name | Should -Be @('dummy.0')
            $p.Inputs[0].Plugin | Should -BeExactly 'dummy'
            $p.Inputs[0].Type | Should -BeExactly 'Input'
            $p.Inputs[0].Route | Should -BeExactly 'dummy.0'
            $p.Outputs.Name | Should -Be @('null.0')
            $p.Outputs[0].Type | Should -BeExactly 'Output'
            $p.Outputs[0].Route | Should -BeExactly '*'
        }

        It 'registers the pipeline in the session (Get-AgentPipeline finds it by name and id)' {
            $name = New-TestName "$script:Prefix-registered"
            $p = New-AgentPipeline -Name $name -Input dummy -Output null

            (Get-AgentPipeline -Name $name).Id | Should -Be $p.Id
            (Get-AgentPipeline -Id $p.Id).State | Should -BeExactly 'Created'
        }

        It 'names the pipeline "pipeline" when -Name is not given' {
            (New-AgentPipeline -Input dummy -Output null).Name | Should -BeExactly 'pipeline'
        }

        It 'runs nothing: no input produces, no output initialises, while a started pipeline does' {
            $created = Join-Path $TestDrive 'created.txt'
            $p = New-AgentPipeline -Name (New-TestName "$script:Prefix-idle") `
                -Input @{ Name = 'dummy'; rate = 50; flush_on_startup = $true } `
                -Output @{ Name = 'counter'; id = 'idle'; path = $created; probe_reserved = $true } `
                -Service @{ Flush = 0.2 }
            # A reference pipeline with the same input: once it has delivered records, the created one had the time to do so too.
            $reference = Start-AgentPipeline -Name (New-TestName "$script:Prefix-reference") `
                -Input @{ Name = 'dummy'; rate = 50; flush_on_startup = $true } -Output null -Service @{ Flush = 0.2 }
            try {
                Wait-Until { (Get-Metric $reference 'null.0' 'proc_records') -ge 20 } -Because 'the reference pipeline delivers records'
            }
            finally { Stop-AgentPipeline $reference }

            $p.State | Should -BeExactly 'Created'
            $p.StartTime | Should -BeNullOrEmpty
            Get-Metric $p 'dummy.0' 'records' | Should -Be 0
            Get-Metric $p 'counter.0' 'proc_records' | Should -Be 0
            # counter's FLBPluginInit writes "host=" to path when probe_reserved is true: the file must not exist yet.
            Test-Path $created | Should -BeFalse
        }

        It 'can be started afterwards, and then runs' {
            $out = Join-Path $TestDrive 'started-later.jsonl'
            $p = New-AgentPipeline -Name (New-TestName "$script:Prefix-later") `
                -Input (@{ Name = 'dummy'; dummy = '{"later":true}'; copies = 2; samples = 1; rate = 20 } + $script:Stamp) `
                -Output @{ Name = 'counter'; id = 'later'; path = $out }

            $started = $p | Start-AgentPipeline
            $started.Id | Should -Be $p.Id
            $p.State | Should -BeExactly 'Running'
            Wait-Until { (Get-Metric $p 'counter.0' 'proc_records') -eq 2 } -Because 'the two records reach counter'
            Stop-AgentPipeline $p

            $line = '{"id":"later","tag":"dummy.0","sec":1795639451,"nsec":784245484,"meta":{},"record":{"later":true}}'
            Get-FileLine $out | Should -Be @($line, $line, '{"id":"later","exit":true,"total":2}')
        }

        It 'numbers instances of the same plugin and uses alias as the instance name' {
            $p = New-AgentPipeline -Name (New-TestName "$script:Prefix-names") `
                -Input dummy, dummy, @{ Name = 'dummy'; Alias = 'mine' } `
                -Output @{ Name = 'null'; Match = '*' }, @{ Name = 'null'; Match = 'dummy.*' }

            $p.Inputs.Name | Should -Be @('dummy.0', 'dummy.1', 'mine')
            $p.Outputs.Name | Should -Be @('null.0', 'null.1')
            $p.Outputs.Route | Should -Be @('*', 'dummy.*')
        }

        It 'uses Tag as the route of an input' {
            $p = New-AgentPipeline -Input @{ Name = 'dummy'; Tag = 'app.web' } -Output @{ Name = 'null'; Match = 'app.*' }
            $p.Inputs[0].Route | Should -BeExactly 'app.web'
        }

        It 'accepts plugin objects from Get-AgentPlugin' {
            $p = New-AgentPipeline -Input (Get-AgentPlugin dummy) -Output (Get-AgentPlugin null)
            $p.Inputs[0].Plugin | Should -BeExactly 'dummy'
            $p.Outputs[0].Plugin | Should -BeExactly 'null'
        }

        It 'warns that an output without Match receives nothing when there are several inputs' {
            $p = New-AgentPipeline -Input dummy, dummy -Output null -WarningVariable warnings -WarningAction SilentlyContinue

            $p.State | Should -BeExactly 'Created'
            $p.Outputs[0].Route | Should -BeExactly '(none)'
            @($warnings | ForEach-Object Message) | Should -Contain '[router] NO match for null.0 output instance'
        }

        It 'writes no warning for a single input and a single output without Match' {
            New-AgentPipeline -Input dummy -Output null -WarningVariable warnings | Out-Null
            $warnings.Count | Should -Be 0
        }
    }

    Context 'hashtable values' {
        It 'passes integers and booleans to a built-in plugin (samples, copies, rate, fixed_timestamp)' {
            $out = Join-Path $TestDrive 'ints.jsonl'
            $p = New-AgentPipeline -Name (New-TestName "$script:Prefix-ints") `
                -Input @{ Name = 'dummy'; dummy = '{"k":"v"}'; samples = 2; copies = 3; rate = 50; start_time_sec = 1700000000; start_time_nsec = 5; fixed_timestamp = $true } `
                -Output @{ Name = 'counter'; id = 'ints'; path = $out }
            $p | Start-AgentPipeline | Out-Null
            Wait-Until { (Get-Metric $p 'counter.0' 'proc_records') -eq 6 } -Because 'two samples of three copies arrive'
            Stop-AgentPipeline $p

            Get-Metric $p 'dummy.0' 'records' | Should -Be 6
            $line = '{"id":"ints","tag":"dummy.0","sec":1700000000,"nsec":5,"meta":{},"record":{"k":"v"}}'
            Get-FileLine $out | Should -Be (@($line) * 6 + '{"id":"ints","exit":true,"total":6}')
        }

        It 'passes integers and booleans to a Go plugin as "42" and "true"' {
            $out = Join-Path $TestDrive 'go-values.jsonl'
            $p = New-AgentPipeline -Name (New-TestName "$script:Prefix-govalues") `
                -Input (@{ Name = 'dummy'; dummy = '{"x":1}'; samples = 1; rate = 50 } + $script:Stamp) `
                -Output @{ Name = 'counter'; id = 42; path = $out; probe_reserved = $true }
            $p | Start-AgentPipeline | Out-Null
            Wait-Until { (Get-Metric $p 'counter.0' 'proc_records') -eq 1 } -Because 'the record arrives'
            Stop-AgentPipeline $p

            # probe_reserved "true" makes Init ask for the reserved key host, which reads "".
            Get-FileLine $out | Should -Be @(
                'host='
                '{"id":"42","tag":"dummy.0","sec":1795639451,"nsec":784245484,"meta":{},"record":{"x":1}}'
                '{"id":"42","exit":true,"total":1}'
            )
        }

        It 'writes a double with a dot whatever the culture' {
            $out = Join-Path $TestDrive 'double.jsonl'
            $culture = [cultureinfo]::CurrentCulture
            try {
                [cultureinfo]::CurrentCulture = 'de-DE'
                $p = New-AgentPipeline -Name (New-TestName "$script:Prefix-double") `
                    -Input (@{ Name = 'dummy'; dummy = '{"x":1}'; samples = 1; rate = 50 } + $script:Stamp) `
                    -Output @{ Name = 'counter'; id = 1.5; path = $out }
            }
            finally { [cultureinfo]::CurrentCulture = $culture }
            $p | Start-AgentPipeline | Out-Null
            Wait-Until { (Get-Metric $p 'counter.0' 'proc_records') -eq 1 } -Because 'the record arrives'
            Stop-AgentPipeline $p

            (Get-FileLine $out)[0] | Should -BeLike '{"id":"1.5",*'
        }

        It 'accepts a number or a TimeSpan as a -Service value (flush <Expected>s)' -ForEach @(
            @{ Value = 0.25; Expected = '0.25' }
            @{ Value = [timespan]::FromMilliseconds(500); Expected = '0.5' }
            @{ Value = 2; Expected = '2' }
        ) {
            $name = New-TestName "$script:Prefix-service"
            $p = New-AgentPipeline -Name $name -Input dummy -Output null -Service @{ Flush = $Value }
            $p | Start-AgentPipeline | Out-Null
            Stop-AgentPipeline $p

            $started = @($p.RecentLog.Message | Where-Object { $_.StartsWith("pipeline '$name' started:") })
            $started.Count | Should -Be 1
            $started[0] | Should -Match ", flush $([regex]::Escape($Expected))s$"
        }
    }

    Context 'an invalid definition' {
        It 'gives InvalidPipelineDefinition naming an unknown property' {
            $name = New-TestName "$script:Prefix-bad"
            $e = Get-TerminatingError { New-AgentPipeline -Name $name -Input @{ Name = 'dummy'; bogus_key = 1 } -Output null }

            $e.FullyQualifiedErrorId | Should -BeExactly 'InvalidPipelineDefinition,CoreAgent.Commands.NewAgentPipelineCommand'
            $e.CategoryInfo.Category | Should -Be 'InvalidArgument'
            $e.Exception.Message | Should -Match "unknown property 'bogus_key'"
            @($e.Exception.Problems).Count | Should -Be 1
            $e.Exception.Problems[0].Key | Should -BeExactly 'bogus_key'
            $e.ErrorDetails.RecommendedAction | Should -Match 'Get-AgentPlugin'
            Get-AgentPipeline -Name $name -ErrorAction SilentlyContinue | Should -BeNullOrEmpty
        }

        It 'gives InvalidPipelineDefinition naming <Key> for a value of the wrong type' -ForEach @(
            @{ Key = 'rate'; InputSpec = @{ Name = 'dummy'; rate = 'fast' }; OutputSpec = 'null'; ServiceSpec = @{} }
            @{ Key = 'fixed_timestamp'; InputSpec = @{ Name = 'dummy'; fixed_timestamp = 'maybe' }; OutputSpec = 'null'; ServiceSpec = @{} }
            @{ Key = 'dummy'; InputSpec = @{ Name = 'dummy'; dummy = '{not json' }; OutputSpec = 'null'; ServiceSpec = @{} }
            @{ Key = 'mem_buf_limit'; InputSpec = @{ Name = 'dummy'; mem_buf_limit = 'lots' }; OutputSpec = 'null'; ServiceSpec = @{} }
            @{ Key = 'retry_limit'; InputSpec = 'dummy'; OutputSpec = @{ Name = 'null'; Retry_Limit = 'abc' }; ServiceSpec = @{} }
            @{ Key = 'workers'; InputSpec = 'dummy'; OutputSpec = @{ Name = 'null'; workers = 300 }; ServiceSpec = @{} }
            @{ Key = 'match_regex'; InputSpec = 'dummy'; OutputSpec = @{ Name = 'null'; Match_Regex = '(' }; ServiceSpec = @{} }
            @{ Key = 'flush'; InputSpec = 'dummy'; OutputSpec = 'null'; ServiceSpec = @{ flush = 'soon' } }
            @{ Key = 'grace'; InputSpec = 'dummy'; OutputSpec = 'null'; ServiceSpec = @{ grace = 'long' } }
        ) {
            $e = Get-TerminatingError { New-AgentPipeline -Input $InputSpec -Output $OutputSpec -Service $ServiceSpec }

            $e.FullyQualifiedErrorId | Should -BeExactly 'InvalidPipelineDefinition,CoreAgent.Commands.NewAgentPipelineCommand'
            $e.Exception.Message | Should -Match ([regex]::Escape($Key))
            @($e.Exception.Problems.Key) | Should -Be @($Key)
        }

        It 'lists every problem at once' {
            $e = Get-TerminatingError { New-AgentPipeline -Input @{ Name = 'dummy'; bogus = 1; rate = 'x' } -Output nosuch }

            $e.FullyQualifiedErrorId | Should -BeExactly 'InvalidPipelineDefinition,CoreAgent.Commands.NewAgentPipelineCommand'
            @($e.Exception.Problems.Key | Sort-Object) | Should -Be @('bogus', 'name', 'rate')
        }

        It 'gives InvalidPipelineDefinition for an unknown <Kind> plugin, naming it' -ForEach @(
            @{ Kind = 'input'; InputSpec = 'nosuchinput'; OutputSpec = 'null'; Plugin = 'nosuchinput' }
            @{ Kind = 'output'; InputSpec = 'dummy'; OutputSpec = 'nosuchoutput'; Plugin = 'nosuchoutput' }
            @{ Kind = 'input (an output used as input)'; InputSpec = 'null'; OutputSpec = 'null'; Plugin = 'null' }
        ) {
            $e = Get-TerminatingError { New-AgentPipeline -Input $InputSpec -Output $OutputSpec }

            $e.FullyQualifiedErrorId | Should -BeExactly 'InvalidPipelineDefinition,CoreAgent.Commands.NewAgentPipelineCommand'
            $e.Exception.Message | Should -Match "unknown (input|output) plugin '$Plugin'"
            $e.ErrorDetails.RecommendedAction | Should -Match 'Import-AgentPlugin'
        }

        It 'gives InvalidPipelineDefinition for <Case>' -ForEach @(
            @{ Case = 'a hashtable without Name'; InputSpec = @{ rate = 1 }; Pattern = 'no Name key' }
            @{ Case = 'a null value'; InputSpec = @{ Name = 'dummy'; rate = $null }; Pattern = 'null' }
            @{ Case = 'an array value'; InputSpec = @{ Name = 'dummy'; rate = @(1, 2) }; Pattern = 'single value' }
            @{ Case = 'a number instead of a plugin'; InputSpec = 5; Pattern = 'plugin name or a hashtable' }
        ) {
            $e = Get-TerminatingError { New-AgentPipeline -Input $InputSpec -Output null }

            $e.FullyQualifiedErrorId | Should -BeExactly 'InvalidPipelineDefinition,CoreAgent.Commands.NewAgentPipelineCommand'
            $e.Exception.Message | Should -Match $Pattern
        }

        It 'gives InvalidPipelineDefinition for an unknown filter, naming it' {
            $e = Get-TerminatingError { New-AgentPipeline -Input dummy -Filter nosuchfilter -Output null }
            $e.FullyQualifiedErrorId | Should -BeExactly 'InvalidPipelineDefinition,CoreAgent.Commands.NewAgentPipelineCommand'
            $e.Exception.Message | Should -Match 'nosuchfilter'
        }

        It 'gives InvalidPipelineDefinition for an alias used twice' {
            $e = Get-TerminatingError { New-AgentPipeline -Input @{ Name = 'dummy'; Alias = 'same' }, @{ Name = 'dummy'; Alias = 'same' } -Output @{ Name = 'null'; Match = '*' } }
            $e.FullyQualifiedErrorId | Should -BeExactly 'InvalidPipelineDefinition,CoreAgent.Commands.NewAgentPipelineCommand'
            @($e.Exception.Problems.Key) | Should -Be @('alias')
        }
    }

    Context '-PluginPath' {
        It 'loads the plugin before building, so the output resolves (fresh process)' {
            $script = @'
param($ModulePath, $PluginPath)
$ErrorActionPreference = 'Stop'
Import-Module $ModulePath
$before = @(Get-AgentPlugin -Name result -ErrorAction SilentlyContinue).Count
try { New-AgentPipeline -Input dummy -Output result | Out-Null; $without = 'created' } catch { $without = $_.FullyQualifiedErrorId }
$p = New-AgentPipeline -PluginPath $PluginPath -Input dummy -Output result
$plugin = Get-AgentPlugin -Name result
"RESULT:" + (@{ Before = $before; Without = $without; State = $p.State; Output = $p.Outputs[0].Plugin; Path = $plugin.Path; Source = $plugin.Source } | ConvertTo-Json -Compress)
'@
            $run = Invoke-ChildPwsh $script -ArgumentList $script:ModulePath, (Get-TestPlugin 'out_result')

            $run.ExitCode | Should -Be 0 -Because $run.Error
            $json = ($run.Output | Where-Object { $_.StartsWith('RESULT:') }).Substring(7) | ConvertFrom-Json
            $json.Before | Should -Be 0
            $json.Without | Should -BeExactly 'InvalidPipelineDefinition,CoreAgent.Commands.NewAgentPipelineCommand'
            $json.State | Should -BeExactly 'Created'
            $json.Output | Should -BeExactly 'result'
            $json.Path | Should -BeExactly (Get-TestPlugin 'out_result')
            $json.Source | Should -BeExactly 'Go'
        }

        It 'accepts a plugin that is already loaded' {
            $p = New-AgentPipeline -PluginPath $script:Counter -Input dummy -Output counter
            $p.Outputs[0].Plugin | Should -BeExactly 'counter'
        }

        It 'gives the loader error id (<ErrorId>) and creates nothing for <Case>' -ForEach @(
            @{ Case = 'a missing file'; Plugin = $null; ErrorId = 'PluginNotFound' }
            @{ Case = 'out_noregister'; Plugin = 'out_noregister'; ErrorId = 'PluginMissingSymbol' }
            @{ Case = 'out_prereg_abort'; Plugin = 'out_prereg_abort'; ErrorId = 'PluginRegistrationAborted' }
        ) {
            $path = if ($Plugin) { Get-TestPlugin $Plugin } else { Join-Path $TestDrive 'missing.so' }
            $name = New-TestName "$script:Prefix-badpath"

            $e = Get-TerminatingError { New-AgentPipeline -Name $name -PluginPath $path -Input dummy -Output null }

            $e.FullyQualifiedErrorId | Should -BeExactly "$ErrorId,CoreAgent.Commands.NewAgentPipelineCommand"
            $e.TargetObject | Should -BeExactly $path
            Get-AgentPipeline -Name $name -ErrorAction SilentlyContinue | Should -BeNullOrEmpty
        }
    }

    Context '-WhatIf' {
        It 'creates nothing' {
            $name = New-TestName "$script:Prefix-whatif"

            $result = New-AgentPipeline -Name $name -Input dummy -Output null -WhatIf

            $result | Should -BeNullOrEmpty
            Get-AgentPipeline -Name $name -ErrorVariable notFound -ErrorAction SilentlyContinue | Should -BeNullOrEmpty
            $notFound[0].FullyQualifiedErrorId | Should -BeExactly 'PipelineNotFound,CoreAgent.Commands.GetAgentPipelineCommand'
        }
    }
}

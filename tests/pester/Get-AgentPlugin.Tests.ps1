BeforeAll { . (Join-Path $PSScriptRoot 'common.ps1') }

Describe 'Get-AgentPlugin' {
    BeforeAll {
        $script:Counter = Get-TestPlugin 'out_counter'
        Import-AgentPlugin $script:Counter | Out-Null
    }

    Context 'without parameters' {
        BeforeAll { $script:All = @(Get-AgentPlugin) }

        It 'lists the built-in <Name> (<Type>)' -ForEach @(
            @{ Name = 'dummy'; Type = 'Input' }
            @{ Name = 'cpu'; Type = 'Input' }
            @{ Name = 'tail'; Type = 'Input' }
            @{ Name = 'null'; Type = 'Output' }
            @{ Name = 'stdout'; Type = 'Output' }
        ) {
            $plugin = @($script:All | Where-Object Name -EQ $Name)
            $plugin.Count | Should -Be 1
            $plugin[0].GetType().FullName | Should -Be 'CoreAgent.Commands.AgentPluginInfo'
            $plugin[0].Type | Should -BeExactly $Type
            $plugin[0].Source | Should -BeExactly 'BuiltIn'
            $plugin[0].Path | Should -BeNullOrEmpty
            $plugin[0].Description | Should -Not -BeNullOrEmpty
        }

        It 'describes dummy and null as Fluent Bit does' {
            ($script:All | Where-Object Name -EQ 'dummy').Description | Should -BeExactly 'Generate dummy data'
            ($script:All | Where-Object Name -EQ 'null').Description | Should -BeExactly 'Throws away events'
        }

        It 'lists exactly these built-in inputs and outputs, inputs first, each group by name' {
            ($script:All | Where-Object { $_.Source -eq 'BuiltIn' -and $_.Type -in 'Input', 'Output' }).Name | Should -Be @('cpu', 'dummy', 'forward', 'http', 'powershell', 'syslog', 'tail', 'tcp', 'file', 'forward', 'http', 'null', 'powershell', 'stdout', 'tcp')
        }

        It 'sorts everything by type, then by name' {
            $types = @($script:All.Type)
            $lastInput = [array]::LastIndexOf($types, 'Input')
            $firstOutput = [array]::IndexOf($types, 'Output')
            $lastInput | Should -BeLessThan $firstOutput
            $outputs = @($script:All | Where-Object Type -EQ 'Output').Name
            $outputs | Should -Be @($outputs | Sort-Object)
        }

        It 'lists an imported Go plugin with its path' {
            $go = @($script:All | Where-Object Name -EQ 'counter')
            $go.Count | Should -Be 1
            $go[0].Type | Should -BeExactly 'Output'
            $go[0].Source | Should -BeExactly 'Go'
            $go[0].Path | Should -BeExactly $script:Counter
            $go[0].Description | Should -BeExactly 'Counts records, optionally writes them as JSON lines'
            @($go[0].Properties.Name) | Should -Be @('event_shape', 'isolation')
        }
    }

    Context '-Name' {
        It 'finds one plugin by its exact name' {
            $plugins = @(Get-AgentPlugin -Name 'dummy')
            $plugins.Count | Should -Be 1
            $plugins[0].Name | Should -BeExactly 'dummy'
        }

        It 'takes the name by position and ignores case' {
            $plugins = @(Get-AgentPlugin 'DUMMY')
            $plugins.Count | Should -Be 1
            $plugins[0].Name | Should -BeExactly 'dummy'
        }

        It 'expands wildcards: <Pattern> gives <Expected>' -ForEach @(
            @{ Pattern = 'd*'; Expected = @('dummy') }
            @{ Pattern = 'STD*'; Expected = @('stdout') }
            @{ Pattern = 'n?ll'; Expected = @('null') }
            @{ Pattern = '[cd]u*'; Expected = @('dummy') }
            @{ Pattern = 'c*'; Expected = @('cpu', 'counter') }
        ) {
            # calyptia_* plugins stay imported from CalyptiaPlugin.Tests.ps1 in the same session.
            @(Get-AgentPlugin -Name $Pattern | Where-Object Name -NotLike 'calyptia_*').Name | Should -Be $Expected
        }

        It 'returns nothing and no error for a wildcard that matches nothing' {
            $result = Get-AgentPlugin -Name 'zz*' -ErrorVariable problems
            $result | Should -BeNullOrEmpty
            $problems.Count | Should -Be 0
        }

        It 'gives PluginNotFound for an unknown name' {
            $result = Get-AgentPlugin -Name 'nosuchplugin' -ErrorVariable problems -ErrorAction SilentlyContinue

            $result | Should -BeNullOrEmpty
            $problems.Count | Should -Be 1
            $problems[0].FullyQualifiedErrorId | Should -BeExactly 'PluginNotFound,CoreAgent.Commands.GetAgentPluginCommand'
            $problems[0].CategoryInfo.Category | Should -Be 'ObjectNotFound'
            $problems[0].TargetObject | Should -BeExactly 'nosuchplugin'
            $problems[0].Exception.Message | Should -Match 'nosuchplugin'
        }

        It 'is a terminating error with -ErrorAction Stop' {
            { Get-AgentPlugin -Name 'nosuchplugin' -ErrorAction Stop } |
                Should -Throw -ErrorId 'PluginNotFound,CoreAgent.Commands.GetAgentPluginCommand'
        }

        It 'returns the known names and one error per unknown name' {
            $plugins = @(Get-AgentPlugin -Name 'dummy', 'nosuch1', 'null', 'nosuch2' -ErrorVariable problems -ErrorAction SilentlyContinue)

            $plugins.Name | Should -Be @('dummy', 'null')
            $problems.Count | Should -Be 2
            $problems.TargetObject | Should -Be @('nosuch1', 'nosuch2')
        }

        It 'takes names from the pipeline' {
            @('null', 'dummy' | Get-AgentPlugin).Name | Should -Be @('null', 'dummy')
        }

        It 'takes objects with a Name property from the pipeline' {
            @([pscustomobject]@{ Name = 'stdout' } | Get-AgentPlugin).Name | Should -Be @('stdout')
        }
    }

    Context '-Type' {
        It 'lists only inputs with -Type Input' {
            $inputs = @(Get-AgentPlugin -Type Input | Where-Object Name -NotLike 'calyptia_*')
            $inputs.Name | Should -Be @('cpu', 'dummy', 'forward', 'http', 'powershell', 'syslog', 'tail', 'tcp')
            $inputs.Type | Sort-Object -Unique | Should -Be 'Input'
        }

        It 'lists only outputs with -Type Output, including Go plugins' {
            $outputs = @(Get-AgentPlugin -Type Output)
            $outputs.Type | Sort-Object -Unique | Should -Be 'Output'
            $outputs.Name | Should -Contain 'null'
            $outputs.Name | Should -Contain 'stdout'
            $outputs.Name | Should -Contain 'counter'
            $outputs.Name | Should -Not -Contain 'dummy'
        }

        It 'lists only filters (if any) with -Type Filter and writes no error' {
            $filters = @(Get-AgentPlugin -Type Filter -ErrorVariable problems)
            $problems.Count | Should -Be 0
            @($filters | Where-Object Type -NE 'Filter').Count | Should -Be 0
            @($filters | Where-Object Name -In 'dummy', 'cpu', 'null', 'stdout').Count | Should -Be 0
        }

        It 'combines with -Name' {
            @(Get-AgentPlugin -Name '*u*' -Type Input | Where-Object Name -NotLike 'calyptia_*').Name | Should -Be @('cpu', 'dummy')
        }

        It 'gives PluginNotFound for a name that exists only with another type' {
            Get-AgentPlugin -Name 'dummy' -Type Output -ErrorVariable problems -ErrorAction SilentlyContinue | Should -BeNullOrEmpty
            $problems.Count | Should -Be 1
            $problems[0].FullyQualifiedErrorId | Should -BeExactly 'PluginNotFound,CoreAgent.Commands.GetAgentPluginCommand'
        }

        It 'rejects an unknown type' {
            { Get-AgentPlugin -Type Parser } | Should -Throw -ErrorId 'ParameterArgumentValidationError,CoreAgent.Commands.GetAgentPluginCommand'
        }
    }

    Context 'after Import-Module -Force' {
        It 'still has the cmdlets and the imported plugins (fresh process)' {
            # Every Pester file imports the module with -Force (common.ps1), so a second import in one session must work.
            $script = @'
param($ModulePath, $Plugin)
Import-Module $ModulePath
$null = Import-AgentPlugin $Plugin
'BEFORE:' + (@(Get-Command -Module CoreAgent -CommandType Cmdlet).Name | Sort-Object) -join ','
Import-Module $ModulePath -Force
'AFTER:' + (@(Get-Command -Module CoreAgent -CommandType Cmdlet).Name | Sort-Object) -join ','
'PATH:' + (Get-AgentPlugin -Name counter -ErrorAction SilentlyContinue).Path
'@
            $run = Invoke-ChildPwsh $script -ArgumentList $script:ModulePath, $script:Counter

            $before = ($run.Output | Where-Object { $_.StartsWith('BEFORE:') }).Substring(7)
            $after = ($run.Output | Where-Object { $_.StartsWith('AFTER:') }).Substring(6)
            $before | Should -Match 'Get-AgentPlugin' -Because $run.Error
            $after | Should -BeExactly $before -Because $run.Error
            $run.Output | Should -Contain "PATH:$script:Counter"
        }
    }

    Context 'properties' {
        It 'lists the properties of dummy with types and defaults, and the common input properties, but not name' {
            $properties = (Get-AgentPlugin dummy).Properties
            $byName = @{}
            foreach ($p in $properties) { $byName[$p.Name] = $p }

            $byName['samples'].Type | Should -BeExactly 'Integer'
            $byName['samples'].Default | Should -BeExactly '0'
            $byName['rate'].Default | Should -BeExactly '1'
            $byName['dummy'].Default | Should -BeExactly '{"message":"dummy"}'
            $byName['fixed_timestamp'].Type | Should -BeExactly 'Boolean'
            $byName['fixed_timestamp'].Default | Should -BeExactly 'false'
            $byName.Keys | Should -Contain 'tag'
            $byName.Keys | Should -Contain 'alias'
            $byName.Keys | Should -Contain 'mem_buf_limit'
            $byName.Keys | Should -Not -Contain 'name'
            $byName.Keys | Should -Not -Contain 'match'
        }

        It 'lists the common output properties for null' {
            $names = (Get-AgentPlugin null).Properties.Name
            $names | Should -Contain 'match'
            $names | Should -Contain 'match_regex'
            $names | Should -Contain 'retry_limit'
            $names | Should -Contain 'workers'
            $names | Should -Not -Contain 'tag'
        }
    }
}

Describe 'Get-AgentPlugin -Property' {
    BeforeAll { . (Join-Path $PSScriptRoot 'common.ps1') }

    It 'returns the matching properties of the named plugin' {
        $properties = Get-AgentPlugin dummy -Property rate, interval_*
        $properties.Name | Should -Be @('rate', 'interval_sec', 'interval_nsec')
        ($properties | Where-Object Name -EQ 'rate').Default | Should -Be '1'
        $properties[0].GetType().Name | Should -Be 'AgentPluginProperty'
    }

    It 'completes the property names of the chosen plugin' {
        $line = 'Get-AgentPlugin -Name dummy -Property int'
        $completions = (TabExpansion2 -inputScript $line -cursorColumn $line.Length).CompletionMatches.CompletionText
        $completions | Should -Be @('interval_nsec', 'interval_sec')
    }
}

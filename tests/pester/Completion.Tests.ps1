BeforeAll {
    . (Join-Path $PSScriptRoot 'common.ps1')

    # What Tab offers with the cursor at the end of the line.
    function Get-Completion([string] $Line) {
        @((TabExpansion2 -inputScript $Line -cursorColumn $Line.Length).CompletionMatches)
    }

    # The module has no -Property parameter yet; this is the shape one would have: the plugin bound by
    # another parameter, its property names completed by PluginPropertyCompleter.
    function global:Test-AgentPropertyCompletion {
        param(
            [ArgumentCompleter([CoreAgent.Commands.PluginNameCompleter])]
            [string] $Plugin,

            [ValidateSet('Input', 'Output')]
            [string] $Type,

            [ArgumentCompleter([CoreAgent.Commands.PluginPropertyCompleter])]
            [string[]] $Property
        )
    }
}

AfterAll {
    Remove-Item function:global:Test-AgentPropertyCompletion -ErrorAction SilentlyContinue
}

Describe 'Plugin name completion' {
    It 'completes Get-AgentPlugin du to dummy' {
        $results = Get-Completion 'Get-AgentPlugin du'

        $results.CompletionText | Should -Be @('dummy')
        $results[0].ResultType | Should -Be 'ParameterValue'
        $results[0].ToolTip | Should -BeLike 'input: *'
    }

    It 'offers only input plugins for -Input and only output plugins for -Output' {
        (Get-Completion 'Start-AgentPipeline -Input ').CompletionText | Should -Contain 'dummy'
        (Get-Completion 'Start-AgentPipeline -Input ').CompletionText | Should -Not -Contain 'stdout'
        (Get-Completion 'Start-AgentPipeline -Output st').CompletionText | Should -Be @('stdout')
        (Get-Completion 'New-AgentPipeline -Input dummy -Output ').CompletionText | Should -Not -Contain 'dummy'
        (Get-Completion 'New-AgentPipeline -Output nu').CompletionText | Should -Be @('null')
    }

    It 'narrows Get-AgentPlugin by a bound -Type' {
        $results = (Get-Completion 'Get-AgentPlugin -Type Output -Name ').CompletionText

        $results | Should -Contain 'stdout'
        $results | Should -Not -Contain 'dummy'
    }

    It 'completes imported Go plugins' {
        Import-AgentPlugin (Get-TestPlugin out_result) | Out-Null

        (Get-Completion 'Start-AgentPipeline -Input dummy -Output resu').CompletionText | Should -Be @('result')
    }
}

Describe 'Pipeline name completion' {
    BeforeAll {
        New-AgentPipeline -Name 'complete-me-first' -Input dummy -Output null | Out-Null
        New-AgentPipeline -Name 'complete-me-second' -Input dummy -Output null | Out-Null
    }

    It 'completes <Line>' -ForEach @(
        @{ Line = 'Get-AgentPipeline complete-me' }
        @{ Line = 'Get-AgentPipeline -Name complete-me' }
        @{ Line = 'Stop-AgentPipeline -Name complete-me' }
        @{ Line = 'Wait-AgentPipeline -Name complete-me' }
    ) {
        (Get-Completion $Line).CompletionText | Should -Be @('complete-me-first', 'complete-me-second')
    }

    It 'completes a partial name case-insensitively' {
        (Get-Completion 'Get-AgentPipeline COMPLETE-ME-S').CompletionText | Should -Be @('complete-me-second')
    }
}

Describe 'Plugin property completion' {
    It 'completes the properties of the plugin bound in the same command' {
        $results = Get-Completion 'Test-AgentPropertyCompletion -Plugin dummy -Property ra'

        $results.CompletionText | Should -Be @('rate')
        $results[0].ToolTip | Should -BeLike '`[Integer`] rate (default 1): Ticks per second.'
    }

    It 'includes the properties every input accepts' {
        $results = (Get-Completion 'Test-AgentPropertyCompletion -Plugin dummy -Property ').CompletionText

        $results | Should -Contain 'samples'
        $results | Should -Contain 'mem_buf_limit'
        $results | Should -Contain 'tag'
        $results | Should -Not -Contain 'match' -Because 'Match is an output property'
        $results | Should -Not -Contain 'name' -Because 'the plugin is already chosen'
    }

    It 'completes output properties for an output plugin' {
        $results = (Get-Completion 'Test-AgentPropertyCompletion -Plugin stdout -Property ').CompletionText

        $results | Should -Contain 'format'
        $results | Should -Contain 'retry_limit'
        $results | Should -Not -Contain 'rate'
    }

    It 'offers the properties of every plugin of the bound -Type when no plugin is given' {
        $results = (Get-Completion 'Test-AgentPropertyCompletion -Type Output -Property ').CompletionText

        $results | Should -Contain 'format'
        $results | Should -Contain 'match'
        $results | Should -Not -Contain 'rate'
    }

    It 'offers only the engine-handled keys for a Go plugin, which declares no properties of its own' {
        Import-AgentPlugin (Get-TestPlugin out_result) | Out-Null

        $results = Get-Completion 'Test-AgentPropertyCompletion -Plugin result -Property ' | Where-Object ResultType -EQ 'ParameterValue'

        @($results.CompletionText | Sort-Object) | Should -Be @('event_shape', 'isolation')
    }
}

Describe 'Receive-AgentRecord -Output completion' {
    AfterAll { Stop-TestPipeline 'complete-*' }

    It 'offers the powershell output instances of the named pipeline, not file names' {
        $name = New-TestName 'complete'
        $null = Start-AgentPipeline -Name $name -Input dummy -Output @{ Name = 'powershell'; Alias = 'mine' }, @{ Name = 'powershell'; Alias = 'other' }, null
        $other = Start-AgentPipeline -Name (New-TestName 'complete') -Input dummy -Output @{ Name = 'powershell'; Alias = 'elsewhere' }
        $results = Get-Completion "Receive-AgentRecord -Name $name -Output "
        @($results.CompletionText | Sort-Object) | Should -Be @('mine', 'other')
        (Get-Completion "Receive-AgentRecord -Name $name -Output mi").CompletionText | Should -Be 'mine'
    }
}

Describe 'New-AgentSection: a section that Tab can complete' {
    It 'completes the plugin name of the section type' {
        (Get-Completion 'New-AgentSection Input du').CompletionText | Should -Be 'dummy'
        (Get-Completion 'New-AgentSection -Type Output -Plugin stdo').CompletionText | Should -Be 'stdout'
    }

    It 'offers the plugin''s properties as parameters once the plugin is named' {
        (Get-Completion 'New-AgentSection Input dummy -Sam').CompletionText | Should -Be '-samples'
        (Get-Completion 'New-AgentSection Output stdout -json_date_f').CompletionText | Should -Be '-json_date_format'
    }

    It 'returns the section a hashtable would be, and a pipeline runs it' {
        $section = New-AgentSection Input dummy -Samples 2 -Tag app -Property @{ 'storage.type' = 'memory' }
        @($section.Keys) | Should -Be @('Name', 'Tag', 'samples', 'storage.type')
        $section.Name | Should -Be 'dummy'
        $pipeline = Start-AgentPipeline -Input $section -Output (New-AgentSection Output powershell -Match app)
        Wait-Until { (Get-Metric $pipeline 'dummy.0' 'records') -ge 2 } -Because 'dummy produces its two samples'
        Stop-AgentPipeline $pipeline
        @(Receive-AgentRecord $pipeline).Count | Should -Be 2
    }

    It 'builds the section of a plugin that has a DB key without clashing with -Debug' {
        (New-AgentSection Input tail -Path /tmp/x.log -Property @{ DB = '/tmp/x.db' }).DB | Should -Be '/tmp/x.db'
    }
}

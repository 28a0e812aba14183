# Pipelines are chosen the same way by every cmdlet: a handle, a name (positional, wildcards) or an id.
BeforeAll {
    . (Join-Path $PSScriptRoot 'common.ps1')
}

Describe 'Choosing a pipeline by name or id' {
    AfterEach { Stop-TestPipeline 'select-*' }

    It 'Stop-AgentPipeline takes a name positionally, as Get-AgentPipeline does' {
        $name = New-TestName 'select'
        $pipeline = Start-AgentPipeline -Name $name -Input dummy -Output null
        Stop-AgentPipeline $name
        $pipeline.State | Should -Be 'Stopped'
    }

    It 'Stop-AgentPipeline -Id stops the pipeline with that id' {
        $pipeline = Start-AgentPipeline -Name (New-TestName 'select') -Input dummy -Output null
        Stop-AgentPipeline -Id $pipeline.Id
        $pipeline.State | Should -Be 'Stopped'
    }

    It 'an unknown id or name is an error that says how to list the pipelines' {
        { Stop-AgentPipeline -Id ([guid]::NewGuid()) -ErrorAction Stop } | Should -Throw '*Get-AgentPipeline lists them*'
        { Stop-AgentPipeline 'select-nosuch' -ErrorAction Stop } | Should -Throw "*no pipeline named 'select-nosuch'*"
    }

    It 'Send, Wait and Receive take the name too, and Send takes -Name' {
        $name = New-TestName 'select'
        $pipeline = Start-AgentPipeline -Name $name -Input powershell -Output powershell
        Send-AgentRecord $name @{ n = 1 }
        Send-AgentRecord -Name $name -InputObject @{ n = 2 }
        Stop-AgentPipeline $name
        @(Wait-AgentPipeline $name -Timeout '00:00:30').Count | Should -Be 1
        $records = @(Receive-AgentRecord $name)
        $records.n | Should -Be @(1, 2)
        $pipeline.State | Should -Be 'Stopped'
    }

    It 'Receive-AgentRecord -Id and Wait-AgentPipeline -Id work like the name' {
        $pipeline = Start-AgentPipeline -Name (New-TestName 'select') -Input powershell -Output powershell
        Send-AgentRecord $pipeline @{ n = 7 }
        Stop-AgentPipeline -Id $pipeline.Id
        @(Wait-AgentPipeline -Id $pipeline.Id -Timeout '00:00:30').Count | Should -Be 1
        (Receive-AgentRecord -Id $pipeline.Id).n | Should -Be 7
    }

    It 'Send-AgentRecord -Name refuses a pattern that matches several pipelines' {
        $prefix = New-TestName 'select'
        $null = Start-AgentPipeline -Name "$prefix-a" -Input powershell -Output null
        $null = Start-AgentPipeline -Name "$prefix-b" -Input powershell -Output null
        { Send-AgentRecord -Name "$prefix-*" -InputObject @{ n = 1 } -ErrorAction Stop } | Should -Throw "*matches 2 pipelines ($prefix-a, $prefix-b)*"
    }
}

Describe 'Invoke-AgentOutput with only -PluginPath' {
    It 'uses the one output plugin of the library' {
        $result = Invoke-AgentOutput -PluginPath (Get-TestPlugin out_result) -Property @{ result = 'ok' } -InputObject @{ msg = 'hi' }
        $result.Plugin | Should -Be 'result'
        $result.Result | Should -Be 'Ok'
        $result.Records | Should -Be 1
    }

    It 'takes the records from the pipeline' {
        $result = @{ n = 1 }, @{ n = 2 } | Invoke-AgentOutput -PluginPath (Get-TestPlugin out_result) -Property @{ result = 'ok' }
        $result.Records | Should -Be 2
    }

    It 'says what to do when the library holds no output plugin' {
        { Invoke-AgentOutput -PluginPath (Get-TestPlugin in_records) -InputObject @{ n = 1 } -ErrorAction Stop } |
            Should -Throw '*imported no output plugin*name one with -Plugin*'
    }

    It 'says what to do when neither -Plugin nor -PluginPath is given' {
        { Invoke-AgentOutput -InputObject @{ n = 1 } -ErrorAction Stop } | Should -Throw '*name the output plugin with -Plugin*'
    }
}

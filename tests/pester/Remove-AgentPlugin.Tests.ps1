BeforeAll {
    . (Join-Path $PSScriptRoot 'common.ps1')
    $script:Prefix = New-TestName 'remove'
}

AfterAll { Stop-TestPipeline "$script:Prefix*" }

Describe 'Remove-AgentPlugin' {
    It 'removes an isolated plugin so a rebuilt .so at the same path is imported again' {
        $path = Join-Path $TestDrive 'out_myplugin.so'
        $out = Join-Path $TestDrive 'versions.txt'
        Copy-Item (Get-TestPlugin 'out_version') $path

        (Import-AgentPlugin $path).Description | Should -BeExactly 'Build 1'
        (Invoke-AgentOutput versioned -InputObject @{ a = 1 }, @{ a = 2 } -Property @{ path = $out }).Result | Should -BeExactly 'Ok'

        Remove-AgentPlugin versioned -ErrorVariable problems
        $problems.Count | Should -Be 0
        Get-AgentPlugin versioned -ErrorAction SilentlyContinue | Should -BeNullOrEmpty
        # The "rebuild": the second build replaces the file at the same path.
        Copy-Item (Get-TestPlugin 'out_version2') $path -Force

        (Import-AgentPlugin $path).Description | Should -BeExactly 'Build 2'
        (Invoke-AgentOutput versioned -InputObject @{ a = 1 } -Property @{ path = $out }).Result | Should -BeExactly 'Ok'
        Get-FileLine $out | Should -Be @('version=1 records=2', 'version=2 records=1')
        Test-MappedInProcess $path | Should -BeFalse
        Remove-AgentPlugin versioned
    }

    It 'takes the name from Import-AgentPlugin output on the pipeline, and supports -WhatIf' {
        $path = Join-Path $TestDrive 'whatif.so'
        Copy-Item (Get-TestPlugin 'out_version') $path
        $plugin = Import-AgentPlugin $path

        $plugin | Remove-AgentPlugin -WhatIf
        @(Get-AgentPlugin versioned).Count | Should -Be 1

        $plugin | Remove-AgentPlugin
        Get-AgentPlugin versioned -ErrorAction SilentlyContinue | Should -BeNullOrEmpty
    }

    It 'refuses a plugin a running pipeline uses' {
        $path = Join-Path $TestDrive 'busy.so'
        Copy-Item (Get-TestPlugin 'out_version') $path
        Import-AgentPlugin $path | Out-Null
        $p = Start-AgentPipeline -Name (New-TestName "$script:Prefix-busy") -Input dummy -Output versioned

        Remove-AgentPlugin versioned -ErrorVariable problems -ErrorAction SilentlyContinue

        $problems.Count | Should -Be 1
        $problems[0].FullyQualifiedErrorId | Should -BeExactly 'PluginInUse,CoreAgent.Commands.RemoveAgentPluginCommand'
        $problems[0].Exception.Message | Should -Match ([regex]::Escape($p.Name))
        Stop-AgentPipeline $p
        Remove-AgentPlugin versioned -ErrorVariable after
        $after.Count | Should -Be 0
    }

    It 'says why a plugin loaded in-process (isolation none) cannot be removed' {
        $path = Join-Path $TestDrive 'inprocess.so'
        Copy-Item (Get-TestPlugin 'out_version') $path
        Import-AgentPlugin $path | Out-Null
        Invoke-AgentOutput versioned -InputObject @{ a = 1 } -Property @{ isolation = 'none' } | Out-Null
        Test-MappedInProcess $path | Should -BeTrue
        (Get-AgentPlugin versioned).LoadedInProcess | Should -BeTrue

        Remove-AgentPlugin versioned -ErrorVariable problems -ErrorAction SilentlyContinue

        $problems.Count | Should -Be 1
        $problems[0].FullyQualifiedErrorId | Should -BeExactly 'PluginLoadedInProcess,CoreAgent.Commands.RemoveAgentPluginCommand'
        $problems[0].Exception.Message | Should -Match 'cannot be unloaded'
        $problems[0].Exception.Message | Should -Match 'isolation none'
        @(Get-AgentPlugin versioned).Count | Should -Be 1
    }

    It 'refuses built-in plugins and unknown names' {
        Remove-AgentPlugin stdout, no-such-plugin -ErrorVariable problems -ErrorAction SilentlyContinue

        $problems.Count | Should -Be 2
        $problems[0].FullyQualifiedErrorId | Should -BeExactly 'PluginIsBuiltIn,CoreAgent.Commands.RemoveAgentPluginCommand'
        $problems[1].FullyQualifiedErrorId | Should -BeExactly 'PluginNotFound,CoreAgent.Commands.RemoveAgentPluginCommand'
        @(Get-AgentPlugin stdout).Count | Should -Be 1
    }
}

# Checks the help users see (Get-Help on every exported cmdlet and about_CoreAgent) and that
# docs/build-help.ps1 refuses docs that disagree with the cmdlets.

BeforeDiscovery {
    # The cmdlet list comes from the manifest, so discovery does not load the module's assemblies.
    $manifest = if ($env:COREAGENT_MODULE) { $env:COREAGENT_MODULE } else { Join-Path $PSScriptRoot '../../out/CoreAgent/CoreAgent.psd1' }
    $cmdlets = @((Import-PowerShellDataFile $manifest).CmdletsToExport | ForEach-Object { @{ Name = $_ } })
}

BeforeAll {
    . (Join-Path $PSScriptRoot 'common.ps1')
    $script:CommonParameters = [System.Management.Automation.PSCmdlet]::CommonParameters
}

Describe 'The exported cmdlets' {
    It 'are the cmdlets the manifest lists' {
        $exported = @(Get-Command -Module CoreAgent -CommandType Cmdlet | ForEach-Object Name | Sort-Object)
        $listed = @((Import-PowerShellDataFile $script:ModulePath).CmdletsToExport | Sort-Object)
        $exported | Should -Be $listed
    }
}

Describe 'Get-Help <Name> -Full' -ForEach $cmdlets {
    BeforeAll {
        $help = Get-Help $Name -Full
        $command = Get-Command $Name
    }

    It 'has a synopsis from the help file' {
        $help.Synopsis | Should -Not -BeNullOrEmpty
        # Without a help file, Get-Help makes the synopsis from the syntax ("Name [-Param] ...").
        $help.Synopsis.Trim() | Should -Not -Match "^$([regex]::Escape($Name))(\s|$)"
    }

    It 'has a description' {
        (@($help.description | ForEach-Object Text) -join '').Trim() | Should -Not -BeNullOrEmpty
    }

    It 'documents every parameter of the cmdlet, and no other' {
        $documented = @($help.parameters.parameter | ForEach-Object name | Sort-Object)
        $actual = @($command.Parameters.Keys | Where-Object { $_ -notin $script:CommonParameters } | Sort-Object)
        $documented | Should -Be $actual
    }

    It 'describes every parameter' {
        $undescribed = @($help.parameters.parameter | Where-Object { -not (@($_.description | ForEach-Object Text) -join '').Trim() } | ForEach-Object name)
        $undescribed | Should -BeNullOrEmpty -Because 'every parameter needs a description'
    }

    It 'shows none of the HTML comments of its page' {
        ($help | Out-String) | Should -Not -Match '<!--'
    }

    It 'has at least two examples, each with code and an explanation' {
        $examples = @($help.examples.example)
        $examples.Count | Should -BeGreaterOrEqual 2
        foreach ($example in $examples) {
            $example.code | Should -Not -BeNullOrEmpty -Because "example '$($example.title)' needs code"
            (@($example.remarks | ForEach-Object Text) -join '').Trim() | Should -Not -BeNullOrEmpty -Because "example '$($example.title)' needs an explanation"
        }
    }
}

Describe 'about_CoreAgent' {
    It 'is found by Get-Help' {
        $text = Get-Help about_CoreAgent -ErrorAction Stop | Out-String
        $text | Should -Match 'about_CoreAgent'
        $text | Should -Match 'SHORT DESCRIPTION'
        $text | Should -Match 'LONG DESCRIPTION'
    }

    It 'lists every exported cmdlet and, under PLUGINS, every built-in plugin with its type' {
        $text = Get-Content (Join-Path (Split-Path $script:ModulePath) 'en-US/about_CoreAgent.help.txt') -Raw
        $missing = @(Get-Command -Module CoreAgent -CommandType Cmdlet | ForEach-Object Name |
                Where-Object { $text -notmatch "(?m)^ {8}$([regex]::Escape($_))\s" })
        $missing += @(Get-AgentPlugin | Where-Object Source -EQ 'BuiltIn' | ForEach-Object { "$($_.Name) $("$($_.Type)".ToLowerInvariant())" } |
                Where-Object { $name, $type = $_ -split ' '; $text -notmatch "(?m)^ {8}$([regex]::Escape($name))\s+$type\b" })
        $missing | Should -BeNullOrEmpty -Because 'about_CoreAgent must describe every cmdlet and built-in plugin there is'
    }

    It 'has lines under 80 characters' {
        $file = Join-Path (Split-Path $script:ModulePath) 'en-US/about_CoreAgent.help.txt'
        $file | Should -Exist
        $long = @(Get-Content $file -ErrorAction Stop | Where-Object Length -ge 80)
        $long | Should -BeNullOrEmpty
    }
}

Describe 'docs/build-help.ps1' {
    BeforeAll {
        $script:HelpScript = (Resolve-Path (Join-Path $PSScriptRoot '../../docs/build-help.ps1')).Path
        $script:Docs = (Resolve-Path (Join-Path $PSScriptRoot '../../docs/en-US')).Path

        # Runs a command line in a fresh pwsh (the same PowerShell as this one) and returns its exit
        # code and everything it printed, without colour escapes.
        function Invoke-Pwsh([string[]] $Arguments) {
            $pwsh = Join-Path $PSHOME ($IsWindows ? 'pwsh.exe' : 'pwsh')
            $prefix = @()
            if (-not (Test-Path $pwsh)) { $pwsh = [Environment]::ProcessPath; $prefix = @(Join-Path $PSHOME 'pwsh.dll') }
            $output = & $pwsh @prefix -NoProfile -NonInteractive @Arguments 2>&1
            [pscustomobject]@{ ExitCode = $LASTEXITCODE; Text = (($output | Out-String) -replace '\x1b\[[0-9;?]*[A-Za-z]', '') }
        }

        function Invoke-HelpBuild([string] $DocsPath, [string] $OutputPath) {
            Invoke-Pwsh @('-File', $script:HelpScript, '-DocsPath', $DocsPath, '-ModulePath', $script:ModulePath, '-OutputPath', $OutputPath)
        }

        function Copy-Docs {
            $copy = Join-Path $TestDrive ([guid]::NewGuid().ToString('n'))
            Copy-Item $script:Docs $copy -Recurse
            $copy
        }

        # Replaces text in a page of the copy; fails the test when the pattern is not there.
        function Edit-Page([string] $Page, [string] $Pattern, [string] $Replacement) {
            $text = Get-Content $Page -Raw
            $edited = [regex]::Replace($text, $Pattern, $Replacement)
            $edited | Should -Not -Be $text -Because "$(Split-Path $Page -Leaf) must contain /$Pattern/ for this test"
            Set-Content $Page $edited -NoNewline
        }

        # Removes the '### -Name' section (heading, description and yaml block) from a page.
        function Remove-ParameterSection([string] $Page, [string] $Parameter) {
            Edit-Page $Page "(?ms)^### -$Parameter\r?\n.*?(?=^##)" ''
        }
    }

    It 'fails, naming the parameter, when a parameter section is removed from a page' {
        $docs = Copy-Docs
        Remove-ParameterSection (Join-Path $docs 'Start-AgentPipeline.md') 'Duration'
        $output = Join-Path $TestDrive 'removed/CoreAgent.dll-Help.xml'

        $result = Invoke-HelpBuild $docs $output

        $result.ExitCode | Should -Not -Be 0
        $result.Text | Should -Match 'Start-AgentPipeline\.md: parameter -Duration of the cmdlet is not documented'
        $output | Should -Not -Exist
    }

    It 'lists every discrepancy at once' {
        $docs = Copy-Docs
        Remove-Item (Join-Path $docs 'Stop-AgentPipeline.md')
        Copy-Item (Join-Path $docs 'Get-AgentPlugin.md') (Join-Path $docs 'Get-AgentThing.md')
        Edit-Page (Join-Path $docs 'Get-AgentThing.md') '(?m)^# Get-AgentPlugin' '# Get-AgentThing'
        Edit-Page (Join-Path $docs 'Wait-AgentPipeline.md') '(?s)(### -Timeout.*?)Type: TimeSpan' '$1Type: Int32'
        Edit-Page (Join-Path $docs 'Import-AgentPlugin.md') '(?s)(### -Path.*?)Required: True' '$1Required: False'
        Edit-Page (Join-Path $docs 'Get-AgentPipeline.md') '(?m)^## INPUTS' "### -Bogus`nNot a parameter.`n`n``````yaml`nType: String`n```````n`n## INPUTS"
        Edit-Page (Join-Path $docs 'New-AgentPipeline.md') '(?s)### Example 2.*?(?=## PARAMETERS)' ''
        Edit-Page (Join-Path $docs 'New-AgentPipeline.md') '(?s)(## SYNOPSIS\r?\n).*?(?=\r?\n## SYNTAX)' '$1'

        $result = Invoke-HelpBuild $docs (Join-Path $TestDrive 'many/CoreAgent.dll-Help.xml')

        $result.ExitCode | Should -Not -Be 0
        $result.Text | Should -Match 'Stop-AgentPipeline: the cmdlet has no page'
        $result.Text | Should -Match 'Get-AgentThing\.md: documents Get-AgentThing, which is not a cmdlet of CoreAgent'
        $result.Text | Should -Match "Wait-AgentPipeline\.md: -Timeout: Type is 'Int32', the cmdlet has 'TimeSpan'"
        $result.Text | Should -Match "Import-AgentPlugin\.md: -Path: Required is 'False', the cmdlet has 'True'"
        $result.Text | Should -Match 'Get-AgentPipeline\.md: parameter -Bogus is documented but the cmdlet has no such parameter'
        $result.Text | Should -Match 'New-AgentPipeline\.md: EXAMPLES has 1 example\(s\); at least 2 are required'
        $result.Text | Should -Match 'New-AgentPipeline\.md: the SYNOPSIS is empty'
    }

    It 'builds MAML for every cmdlet without loading the module into the calling session' {
        $output = Join-Path $TestDrive 'good/CoreAgent.dll-Help.xml'
        $command = "& '$($script:HelpScript)' -DocsPath '$($script:Docs)' -ModulePath '$($script:ModulePath)' -OutputPath '$output'; " +
            "'loaded in caller: ' + @([AppDomain]::CurrentDomain.GetAssemblies() | Where-Object { `$_.GetName().Name -like 'CoreAgent*' }).Count"

        $result = Invoke-Pwsh @('-Command', $command)

        $result.ExitCode | Should -Be 0 -Because $result.Text
        $result.Text | Should -Match 'loaded in caller: 0'
        $maml = [xml](Get-Content $output -Raw)
        $names = @($maml.helpItems.command | ForEach-Object { $_.details.name } | Sort-Object)
        $names | Should -Be @((Import-PowerShellDataFile $script:ModulePath).CmdletsToExport | Sort-Object)
    }
}

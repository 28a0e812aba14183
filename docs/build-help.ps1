#!/usr/bin/env pwsh
<#
.SYNOPSIS
Builds the module's MAML help from the platyPS-format pages in docs/en-US, checking the pages
against the built cmdlets.

.DESCRIPTION
Reads one page per cmdlet (docs/en-US/<Cmdlet>.md, platyPS schema 2.0.0) and writes the MAML
file Get-Help reads (en-US/CoreAgent.dll-Help.xml). Syntax and parameter facts (names, types,
mandatory, position, pipeline input, parameter sets, aliases, wildcards, accepted values) come
from the built cmdlets (Get-Command); descriptions, examples, inputs, outputs, notes and links
come from the pages.

Before writing anything it compares the pages with the cmdlets and throws, listing every
discrepancy, when they disagree: a cmdlet without a page, a page for no cmdlet, a parameter
documented but not on the cmdlet or on the cmdlet but not documented, a yaml block whose Type,
Parameter Sets, Aliases, Required, Position, Accept pipeline input, Accept wildcard characters or
Accepted values differs from the cmdlet, a SYNTAX block that differs from the cmdlet's syntax,
fewer than two examples, an empty synopsis, description or parameter description, an [OutputType]
missing from OUTPUTS, or platyPS placeholder text ({{ ... }}) left in a page.

The module is imported in a child pwsh, never in the calling session: build.ps1 must not load the
module's assemblies, which could then not be replaced until that session ends.

.PARAMETER DocsPath
The folder of <Cmdlet>.md pages. about_*.md files in it are ignored.

.PARAMETER ModulePath
The manifest of the built module.

.PARAMETER OutputPath
The MAML file to write, normally <module>/en-US/<Assembly>.dll-Help.xml.

.PARAMETER NewMissingPages
Writes a stub page, with the syntax and yaml blocks filled in from the cmdlet, for each cmdlet
that has no page yet. The stubs hold {{ ... }} placeholders, so the check still fails until
someone writes the text.

.PARAMETER NoChildProcess
Runs in the current process instead of a child pwsh (the child itself is started with it).

.EXAMPLE
./docs/build-help.ps1 -DocsPath docs/en-US -ModulePath out/CoreAgent/CoreAgent.psd1 -OutputPath out/CoreAgent/en-US/CoreAgent.dll-Help.xml

.EXAMPLE
./docs/build-help.ps1 -DocsPath docs/en-US -ModulePath out/CoreAgent/CoreAgent.psd1 -OutputPath $env:TEMP/help.xml -NewMissingPages
#>
[CmdletBinding()]
param(
    [Parameter(Mandatory)] [string] $DocsPath,
    [Parameter(Mandatory)] [string] $ModulePath,
    [Parameter(Mandatory)] [string] $OutputPath,
    [switch] $NewMissingPages,
    [switch] $NoChildProcess
)

$ErrorActionPreference = 'Stop'
Set-StrictMode -Version Latest

$DocsPath = $ExecutionContext.SessionState.Path.GetUnresolvedProviderPathFromPSPath($DocsPath)
$ModulePath = $ExecutionContext.SessionState.Path.GetUnresolvedProviderPathFromPSPath($ModulePath)
$OutputPath = $ExecutionContext.SessionState.Path.GetUnresolvedProviderPathFromPSPath($OutputPath)

#region The calling process: run everything in a child pwsh

if (-not $NoChildProcess) {
    # $PSHOME/pwsh is the host's own apphost; when run as 'dotnet pwsh' (a local tool) there may be
    # none, and the same pwsh.dll is started through the dotnet that runs this process.
    $apphost = Join-Path $PSHOME ($IsWindows ? 'pwsh.exe' : 'pwsh')
    $hostArgs = if (Test-Path $apphost) { @() } else { $apphost = [Environment]::ProcessPath; @(Join-Path $PSHOME 'pwsh.dll') }
    $childArgs = $hostArgs + @('-NoProfile', '-NonInteractive', '-File', $PSCommandPath,
        '-DocsPath', $DocsPath, '-ModulePath', $ModulePath, '-OutputPath', $OutputPath, '-NoChildProcess')
    if ($NewMissingPages) { $childArgs += '-NewMissingPages' }
    $report = & $apphost @childArgs
    $exitCode = $LASTEXITCODE
    $text = ($report | Out-String).TrimEnd()
    if ($text) { Write-Host $text }
    if ($exitCode -ne 0) {
        # The report is printed above line by line; PowerShell's error view shows a message on one line.
        $exception = [System.InvalidOperationException]::new("docs/build-help.ps1 failed (exit code $exitCode):$([Environment]::NewLine)$text")
        $PSCmdlet.ThrowTerminatingError([System.Management.Automation.ErrorRecord]::new($exception, 'HelpDoesNotMatchCmdlets', 'InvalidData', $DocsPath))
    }
    return
}

#endregion

#region Markdown: the platyPS page format

# Splits lines into headings and bodies, ignoring # lines inside ``` fences.
function Split-Heading([string[]] $Lines, [int] $Level) {
    $marker = ('#' * $Level) + ' '
    $sections = [System.Collections.Generic.List[object]]::new()
    $current = [pscustomobject]@{ Title = $null; Lines = [System.Collections.Generic.List[string]]::new() }
    $fence = $null
    foreach ($line in $Lines) {
        if ($line -match '^\s*(`{3,}|~{3,})') {
            if ($null -eq $fence) { $fence = $Matches[1] }
            elseif ($line.Trim() -match "^$([regex]::Escape($fence[0]))+\s*$" -and $line.Trim().Length -ge $fence.Length) { $fence = $null }
        }
        elseif ($null -eq $fence -and $line.StartsWith($marker)) {
            $sections.Add($current)
            $current = [pscustomobject]@{ Title = $line.Substring($marker.Length).Trim(); Lines = [System.Collections.Generic.List[string]]::new() }
            continue
        }
        $current.Lines.Add($line)
    }
    $sections.Add($current)
    $sections
}

# Turns a body into blocks: text paragraphs and fenced code blocks (with their language). A list
# stays one paragraph with one item per line (Get-Help keeps line breaks inside a paragraph).
function Get-Block([string[]] $Lines) {
    $blocks = [System.Collections.Generic.List[object]]::new()
    $items = [System.Collections.Generic.List[string]]::new()
    $isList = $false
    $code = $null
    $fence = $null
    $flush = {
        if ($items.Count -gt 0) {
            $blocks.Add([pscustomobject]@{ Kind = 'Text'; Language = $null; Text = ($items -join "`n") })
            $items.Clear()
        }
    }
    foreach ($line in $Lines) {
        if ($null -ne $fence) {
            if ($line.Trim() -match "^$([regex]::Escape($fence[0]))+\s*$" -and $line.Trim().Length -ge $fence.Length) {
                $blocks.Add([pscustomobject]@{ Kind = 'Code'; Language = $code.Language; Text = ($code.Lines -join "`n") })
                $fence = $null
            }
            else { $code.Lines.Add($line) }
            continue
        }
        if ($line -match '^\s*(`{3,}|~{3,})\s*([\w-]*)') {
            & $flush
            $fence = $Matches[1]
            $code = @{ Language = $Matches[2].ToLowerInvariant(); Lines = [System.Collections.Generic.List[string]]::new() }
            continue
        }
        # A one-line HTML comment is for the docs' readers of the source (such as the examples'
        # <!-- not-run: reason --> marker of tests/pester/Examples.Tests.ps1), not for Get-Help.
        if ($line -match '^\s*<!--.*-->\s*$') { continue }
        if ($line -match '^\s*$') { & $flush; continue }
        if ($line -match '^\s*([-*+]|\d+\.)\s+') {
            if (-not $isList) { & $flush }
            $isList = $true
            $items.Add($line.Trim())
        }
        elseif ($items.Count -gt 0) { $items[$items.Count - 1] += ' ' + $line.Trim() }
        else { $isList = $false; $items.Add($line.Trim()) }
    }
    & $flush
    if ($null -ne $fence) { $blocks.Add([pscustomobject]@{ Kind = 'Code'; Language = $code.Language; Text = ($code.Lines -join "`n") }) }
    $blocks
}

# Markdown escapes (\<, \[, \_ ...) mean the character itself in the help text.
function ConvertFrom-MarkdownText([string] $Text) {
    [regex]::Replace($Text, '\\([\\`*_{}\[\]()<>#+\-.!|])', '$1')
}

function Get-Paragraph([string[]] $Lines) {
    foreach ($block in Get-Block $Lines) {
        if ($block.Kind -eq 'Text') { ConvertFrom-MarkdownText $block.Text }
        else { ($block.Text -split "`n" | ForEach-Object { "    $_" }) -join "`n" }
    }
}

function Read-Page([string] $Path) {
    $lines = (Get-Content -LiteralPath $Path -Raw) -replace "`r`n", "`n" -split "`n"
    $page = [ordered]@{
        Path = $Path; File = Split-Path $Path -Leaf; FrontMatter = @{}; Title = $null
        Sections = @{}; SectionOrder = @(); Lines = $lines
    }
    $start = 0
    if ($lines.Count -gt 0 -and $lines[0].Trim() -eq '---') {
        $end = 1
        while ($end -lt $lines.Count -and $lines[$end].Trim() -ne '---') { $end++ }
        if ($end -lt $lines.Count) {
            foreach ($line in $lines[1..($end - 1)]) {
                if ($line -match '^\s*([^:#]+?)\s*:\s*(.*?)\s*$') { $page.FrontMatter[$Matches[1]] = $Matches[2] }
            }
            $start = $end + 1
        }
    }
    $body = if ($start -lt $lines.Count) { $lines[$start..($lines.Count - 1)] } else { @() }
    $top = @(Split-Heading $body 1)
    if ($top.Count -gt 1) {
        $page.Title = $top[1].Title
        foreach ($section in Split-Heading $top[1].Lines 2 | Select-Object -Skip 1) {
            $page.Sections[$section.Title.ToUpperInvariant()] = $section.Lines
            $page.SectionOrder += $section.Title.ToUpperInvariant()
        }
    }
    [pscustomobject]$page
}

# Reads 'Key: value' lines of a parameter's yaml block.
function Read-YamlBlock([string] $Text) {
    $values = [ordered]@{}
    foreach ($line in $Text -split "`n") {
        if ($line -match '^\s*([A-Za-z][A-Za-z ]*?)\s*:\s*(.*?)\s*$') { $values[$Matches[1]] = $Matches[2] }
    }
    $values
}

#endregion

#region Cmdlet metadata

$script:CommonParameters = [System.Management.Automation.PSCmdlet]::CommonParameters

function Get-TypeName([type] $Type) {
    if ($Type -eq [System.Management.Automation.SwitchParameter]) { return 'SwitchParameter' }
    $underlying = [Nullable]::GetUnderlyingType($Type)
    if ($underlying) { return Get-TypeName $underlying }
    if ($Type.IsArray) { return (Get-TypeName $Type.GetElementType()) + '[]' }
    if ($Type.IsGenericType) {
        $arguments = $Type.GetGenericArguments() | ForEach-Object { Get-TypeName $_ }
        return ($Type.Name -replace '`\d+$') + '[' + ($arguments -join ', ') + ']'
    }
    $Type.Name
}

# The names a page may use for a type: String[], System.String[] (and switch for switches).
function Test-TypeName([string] $Written, [type] $Type) {
    $names = @(Get-TypeName $Type)
    $plain = [Nullable]::GetUnderlyingType($Type) ?? $Type
    $names += $plain.FullName, $plain.ToString(), $Type.FullName
    if ($Type -eq [System.Management.Automation.SwitchParameter]) { $names += 'switch' }
    $names -contains $Written.Trim()
}

function Get-PipelineInput([System.Management.Automation.CommandParameterInfo] $Parameter) {
    $how = @()
    if ($Parameter.ValueFromPipelineByPropertyName) { $how += 'ByPropertyName' }
    if ($Parameter.ValueFromPipeline) { $how += 'ByValue' }
    $how ? "True ($($how -join ', '))" : 'False'
}

function Get-Position([System.Management.Automation.CommandParameterInfo] $Parameter) {
    $Parameter.Position -eq [int]::MinValue ? 'Named' : [string]$Parameter.Position
}

# The cmdlet's parameters with the facts of every parameter set they are in.
function Get-ParameterFact([System.Management.Automation.CmdletInfo] $Command) {
    $facts = [ordered]@{}
    foreach ($set in $Command.ParameterSets) {
        foreach ($parameter in $set.Parameters) {
            if ($script:CommonParameters -contains $parameter.Name) { continue }
            if (-not $facts.Contains($parameter.Name)) {
                $attributes = $parameter.Attributes
                $validateSet = $attributes | Where-Object { $_ -is [System.Management.Automation.ValidateSetAttribute] } | Select-Object -First 1
                $facts[$parameter.Name] = [pscustomobject]@{
                    Name = $parameter.Name
                    Type = $parameter.ParameterType
                    TypeName = Get-TypeName $parameter.ParameterType
                    Aliases = @($parameter.Aliases)
                    Globbing = [bool]($attributes | Where-Object { $_ -is [System.Management.Automation.SupportsWildcardsAttribute] })
                    AcceptedValues = $validateSet ? @($validateSet.ValidValues) : @()
                    IsSwitch = $parameter.ParameterType -eq [System.Management.Automation.SwitchParameter]
                    Sets = [ordered]@{}
                }
            }
            $facts[$parameter.Name].Sets[$set.Name] = [pscustomobject]@{
                Required = [string]$parameter.IsMandatory
                Position = Get-Position $parameter
                PipelineInput = Get-PipelineInput $parameter
                Parameter = $parameter
            }
        }
    }
    $facts
}

# Parameter sets with the default first, as Get-Help shows them.
function Get-ParameterSet([System.Management.Automation.CmdletInfo] $Command) {
    @($Command.ParameterSets | Where-Object IsDefault) + @($Command.ParameterSets | Where-Object { -not $_.IsDefault })
}

# Positional parameters by position, then mandatory named ones, then the rest (as Get-Command does).
function Get-DisplayOrder([System.Management.Automation.CommandParameterSetInfo] $Set) {
    $own = @($Set.Parameters | Where-Object { $script:CommonParameters -notcontains $_.Name })
    @($own | Where-Object Position -ne ([int]::MinValue) | Sort-Object Position) +
    @($own | Where-Object { $_.Position -eq [int]::MinValue -and $_.IsMandatory }) +
    @($own | Where-Object { $_.Position -eq [int]::MinValue -and -not $_.IsMandatory })
}

function Get-SyntaxText([System.Management.Automation.CmdletInfo] $Command, [System.Management.Automation.CommandParameterSetInfo] $Set, [int] $Width = 0) {
    $items = foreach ($parameter in Get-DisplayOrder $Set) {
        if ($parameter.ParameterType -eq [System.Management.Automation.SwitchParameter]) {
            $text = "-$($parameter.Name)"
            if (-not $parameter.IsMandatory) { $text = "[$text]" }
        }
        else {
            $text = "-$($parameter.Name)"
            if ($parameter.Position -ne [int]::MinValue) { $text = "[$text]" }
            $text = "$text <$(Get-TypeName $parameter.ParameterType)>"
            if (-not $parameter.IsMandatory) { $text = "[$text]" }
        }
        $text
    }
    $items = @($items) + '[<CommonParameters>]'
    if ($Width -le 0) { return "$($Command.Name) $($items -join ' ')" }
    # Wrapped as platyPS does: continuation lines start with a space.
    $lines = [System.Collections.Generic.List[string]]::new()
    $line = $Command.Name
    foreach ($item in $items) {
        if (($line.Length + 1 + $item.Length) -gt $Width -and $line.Trim()) { $lines.Add($line); $line = '' }
        $line += " $item"
    }
    $lines.Add($line)
    $lines -join "`n"
}

#endregion

#region Checking a page against its cmdlet

function Test-Placeholder([string] $Text) { $Text -match '\{\{.*?\}\}' }

# Code fences that look wrong: one never closed, or a ```lang line inside an open block (a closing
# ``` is probably missing above it). Either would swallow the page's sections that follow.
function Find-FenceProblem([string[]] $Lines) {
    $fence = $null
    $opened = 0
    for ($i = 0; $i -lt $Lines.Count; $i++) {
        $line = $Lines[$i].Trim()
        if ($line -notmatch '^(`{3,}|~{3,})(.*)$') { continue }
        if ($null -eq $fence) { $fence = $Matches[1]; $opened = $i + 1; continue }
        if ($Matches[2].Trim() -eq '' -and $line.Length -ge $fence.Length -and $line[0] -eq $fence[0]) { $fence = $null; continue }
        "line $($i + 1): '$line' is inside the code block opened at line ${opened}: is a closing $fence missing?"
    }
    if ($null -ne $fence) { "line ${opened}: this code block is never closed" }
}

function Get-SectionText($Page, [string] $Name) {
    if (-not $Page.Sections.ContainsKey($Name)) { return '' }
    ((Get-Paragraph $Page.Sections[$Name]) -join "`n").Trim()
}

function Test-Page($Page, [System.Management.Automation.CmdletInfo] $Command, [string] $ModuleName, [System.Collections.Generic.List[string]] $Problems) {
    $where = $Page.File
    function Add-Problem([string] $Message) { $Problems.Add("${where}: $Message") }

    # Front matter and title.
    $expected = [ordered]@{ 'external help file' = $Command.HelpFile; 'Module Name' = $ModuleName; 'schema' = '2.0.0' }
    foreach ($key in $expected.Keys) {
        if (-not $Page.FrontMatter.ContainsKey($key)) { Add-Problem "the front matter has no '${key}: $($expected[$key])'" }
        elseif ($Page.FrontMatter[$key] -ne $expected[$key]) { Add-Problem "the front matter says '${key}: $($Page.FrontMatter[$key])', expected '$($expected[$key])'" }
    }
    if (-not $Page.FrontMatter.ContainsKey('online version')) { Add-Problem "the front matter has no 'online version:' line" }
    if ($Page.Title -cne $Command.Name) { Add-Problem "the title is '# $($Page.Title)', expected '# $($Command.Name)'" }
    if ([IO.Path]::GetFileNameWithoutExtension($Page.File) -cne $Command.Name) { Add-Problem "the file should be named $($Command.Name).md" }

    foreach ($section in 'SYNOPSIS', 'SYNTAX', 'DESCRIPTION', 'EXAMPLES', 'PARAMETERS', 'INPUTS', 'OUTPUTS', 'NOTES', 'RELATED LINKS') {
        if (-not $Page.Sections.ContainsKey($section)) { Add-Problem "the '## $section' section is missing" }
    }
    foreach ($section in $Page.SectionOrder) {
        if ($section -notin 'SYNOPSIS', 'SYNTAX', 'DESCRIPTION', 'EXAMPLES', 'PARAMETERS', 'INPUTS', 'OUTPUTS', 'NOTES', 'RELATED LINKS') {
            Add-Problem "unknown section '## $section'"
        }
    }
    if (-not (Get-SectionText $Page 'SYNOPSIS')) { Add-Problem 'the SYNOPSIS is empty' }
    if (-not (Get-SectionText $Page 'DESCRIPTION')) { Add-Problem 'the DESCRIPTION is empty' }
    foreach ($problem in Find-FenceProblem $Page.Lines) { Add-Problem $problem }
    $lineNumber = 0
    foreach ($line in $Page.Lines) {
        $lineNumber++
        if (Test-Placeholder $line) { Add-Problem "line ${lineNumber}: placeholder text left in: $($line.Trim())" }
    }

    # SYNTAX: one block per parameter set, under '### <Set>' when there are several.
    $sets = @(Get-ParameterSet $Command)
    if ($Page.Sections.ContainsKey('SYNTAX')) {
        $syntaxParts = Split-Heading $Page.Sections['SYNTAX'] 3
        $written = @{}
        if ($sets.Count -eq 1) {
            $code = @($syntaxParts | ForEach-Object { Get-Block $_.Lines } | Where-Object Kind -eq 'Code')
            if ($code.Count -ne 1) { Add-Problem "SYNTAX should hold exactly one code block, found $($code.Count)" }
            else { $written[$sets[0].Name] = $code[0].Text }
        }
        else {
            foreach ($part in $syntaxParts | Select-Object -Skip 1) {
                $name = $part.Title -replace '\s*\(Default\)\s*$'
                $code = @(Get-Block $part.Lines | Where-Object Kind -eq 'Code')
                if ($code.Count -ne 1) { Add-Problem "SYNTAX '### $($part.Title)' should hold exactly one code block, found $($code.Count)"; continue }
                $written[$name] = $code[0].Text
                $set = $sets | Where-Object Name -eq $name
                if (-not $set) { Add-Problem "SYNTAX has '### $($part.Title)', but the cmdlet has no parameter set '$name' (it has: $(($sets.Name) -join ', '))" }
                elseif ($set.IsDefault -and $part.Title -notmatch '\(Default\)\s*$') { Add-Problem "SYNTAX: '### $name' is the default parameter set: write '### $name (Default)'" }
                elseif (-not $set.IsDefault -and $part.Title -match '\(Default\)\s*$') { Add-Problem "SYNTAX: '### $name' is not the default parameter set" }
            }
        }
        foreach ($set in $sets) {
            $heading = $sets.Count -eq 1 ? '' : " of parameter set '$($set.Name)'"
            $expectedSyntax = Get-SyntaxText $Command $set
            if (-not $written.ContainsKey($set.Name)) {
                if ($sets.Count -gt 1) { Add-Problem "SYNTAX has no '### $($set.Name)$($set.IsDefault ? ' (Default)' : '')' block; expected: $expectedSyntax" }
                continue
            }
            $normalized = ($written[$set.Name] -replace '\s+', ' ').Trim()
            if ($normalized -cne $expectedSyntax) { Add-Problem "the SYNTAX$heading is '$normalized', expected '$expectedSyntax'" }
        }
    }

    # EXAMPLES: at least two, each with code.
    if ($Page.Sections.ContainsKey('EXAMPLES')) {
        $examples = @(Split-Heading $Page.Sections['EXAMPLES'] 3 | Select-Object -Skip 1)
        if ($examples.Count -lt 2) { Add-Problem "EXAMPLES has $($examples.Count) example(s); at least 2 are required" }
        foreach ($example in $examples) {
            $blocks = @(Get-Block $example.Lines)
            if (-not ($blocks | Where-Object { $_.Kind -eq 'Code' -and $_.Text.Trim() })) { Add-Problem "example '$($example.Title)' has no code block" }
            if (-not ($blocks | Where-Object Kind -eq 'Text')) { Add-Problem "example '$($example.Title)' has no explanation after its code" }
        }
    }

    # PARAMETERS: every parameter of the cmdlet, each with a description and matching yaml blocks.
    $facts = Get-ParameterFact $Command
    $documented = [ordered]@{}
    if ($Page.Sections.ContainsKey('PARAMETERS')) {
        foreach ($part in Split-Heading $Page.Sections['PARAMETERS'] 3 | Select-Object -Skip 1) {
            if ($part.Title -eq 'CommonParameters') { continue }
            if ($part.Title -notmatch '^-(\S+)$') { Add-Problem "PARAMETERS: '### $($part.Title)' is not a parameter heading (### -Name)"; continue }
            $documented[$Matches[1]] = $part
        }
    }
    foreach ($name in $documented.Keys) {
        if (-not $facts.Contains($name)) {
            $why = $script:CommonParameters -contains $name ? ' (it is a common parameter, covered by CommonParameters)' : ''
            Add-Problem "parameter -$name is documented but the cmdlet has no such parameter$why"
        }
        elseif ($facts[$name].Name -cne $name) { Add-Problem "parameter -$name is spelled -$($facts[$name].Name) by the cmdlet" }
    }
    foreach ($name in $facts.Keys) {
        if (-not $documented.Contains($name)) { Add-Problem "parameter -$name of the cmdlet is not documented (add a '### -$name' section under PARAMETERS)"; continue }
        Test-ParameterDoc $documented[$name] $facts[$name] $sets $Problems $where
    }

    # INPUTS and OUTPUTS: the types that come from the pipeline and the [OutputType]s.
    $outputs = @(Split-Heading ($Page.Sections['OUTPUTS'] ?? @()) 3 | Select-Object -Skip 1 | ForEach-Object Title)
    foreach ($type in $Command.OutputType) {
        $names = @($type.Name) + @($type.Type ? @($type.Type.FullName, $type.Type.Name) : @())
        if (-not ($outputs | Where-Object { $_ -in $names })) { Add-Problem "OUTPUTS has no '### $($type.Name)' although the cmdlet declares [OutputType($($type.Name))]" }
    }
    $inputs = @(Split-Heading ($Page.Sections['INPUTS'] ?? @()) 3 | Select-Object -Skip 1 | ForEach-Object Title)
    foreach ($fact in $facts.Values) {
        if (-not ($fact.Sets.Values | Where-Object { $_.Parameter.ValueFromPipeline })) { continue }
        $plain = $fact.Type.IsArray ? $fact.Type.GetElementType() : $fact.Type
        $names = $fact.Type.FullName, $fact.Type.Name, $plain.FullName, $plain.Name
        if (-not ($inputs | Where-Object { $_ -in $names })) { Add-Problem "INPUTS has no '### $($plain.FullName)' although -$($fact.Name) takes it from the pipeline" }
    }
    if (-not $inputs -and $Page.Sections.ContainsKey('INPUTS')) { Add-Problem "INPUTS is empty (write '### None' when the cmdlet takes no pipeline input)" }
    if (-not $outputs -and $Page.Sections.ContainsKey('OUTPUTS')) { Add-Problem "OUTPUTS is empty (write '### None' when the cmdlet writes nothing)" }
}

function Test-ParameterDoc($Part, $Fact, $Sets, [System.Collections.Generic.List[string]] $Problems, [string] $Where) {
    $name = "-$($Fact.Name)"
    function Add-Problem([string] $Message) { $Problems.Add("${Where}: ${name}: $Message") }

    $blocks = @(Get-Block $Part.Lines)
    if (-not ($blocks | Where-Object Kind -eq 'Text')) { Add-Problem 'the parameter has no description' }
    $yamlBlocks = @($blocks | Where-Object { $_.Kind -eq 'Code' -and $_.Language -eq 'yaml' })
    if ($yamlBlocks.Count -eq 0) { Add-Problem 'the ```yaml block is missing'; return }

    $allSets = @($Sets.Name)
    $paramSets = @($Fact.Sets.Keys)
    $covered = @{}
    foreach ($block in $yamlBlocks) {
        $yaml = Read-YamlBlock $block.Text
        foreach ($key in 'Type', 'Parameter Sets', 'Aliases', 'Required', 'Position', 'Default value', 'Accept pipeline input', 'Accept wildcard characters') {
            if (-not $yaml.Contains($key)) { Add-Problem "the yaml block has no '${key}:' line" }
        }
        if ($yaml.Contains('Type') -and -not (Test-TypeName $yaml['Type'] $Fact.Type)) { Add-Problem "Type is '$($yaml['Type'])', the cmdlet has '$($Fact.TypeName)'" }
        if ($yaml.Contains('Aliases')) {
            $written = @($yaml['Aliases'] -split ',' | ForEach-Object Trim | Where-Object { $_ -and $_ -ne 'None' } | Sort-Object)
            $actual = @($Fact.Aliases | Sort-Object)
            if (($written -join ', ') -ne ($actual -join ', ')) { Add-Problem "Aliases is '$($yaml['Aliases'])', the cmdlet has '$($actual -join ', ')'" }
        }
        if ($yaml.Contains('Accept wildcard characters') -and $yaml['Accept wildcard characters'] -ne [string]$Fact.Globbing) {
            Add-Problem "Accept wildcard characters is '$($yaml['Accept wildcard characters'])', the cmdlet has '$($Fact.Globbing)' ([SupportsWildcards])"
        }
        $accepted = @(($yaml['Accepted values'] ?? '') -split ',' | ForEach-Object Trim | Where-Object { $_ } | Sort-Object)
        $validSet = @($Fact.AcceptedValues | Sort-Object)
        if (($accepted -join ', ') -ne ($validSet -join ', ')) {
            Add-Problem ($validSet ? "Accepted values is '$($accepted -join ', ')', the cmdlet's [ValidateSet] has '$($validSet -join ', ')'" : "Accepted values is given, but the cmdlet has no [ValidateSet]")
        }

        # Which parameter sets this block describes.
        $setText = ($yaml['Parameter Sets'] ?? '(All)').Trim()
        if ($setText -eq '(All)') {
            if ($paramSets.Count -ne $allSets.Count -and -not ($allSets.Count -eq 1)) {
                Add-Problem "Parameter Sets is '(All)', but the parameter is only in: $($paramSets -join ', ')"
            }
            $blockSets = $paramSets
        }
        else {
            $blockSets = @($setText -split ',' | ForEach-Object Trim | Where-Object { $_ })
            foreach ($set in $blockSets) {
                if ($paramSets -notcontains $set) { Add-Problem "Parameter Sets names '$set', but the parameter is only in: $($paramSets -join ', ')" }
            }
            $blockSets = @($blockSets | Where-Object { $paramSets -contains $_ })
        }
        foreach ($set in $blockSets) {
            if ($covered.ContainsKey($set)) { Add-Problem "parameter set '$set' is described by two yaml blocks" }
            $covered[$set] = $true
            $setFact = $Fact.Sets[$set]
            $suffix = $paramSets.Count -gt 1 ? " in parameter set '$set'" : ''
            if ($yaml.Contains('Required') -and $yaml['Required'] -ne $setFact.Required) { Add-Problem "Required is '$($yaml['Required'])', the cmdlet has '$($setFact.Required)'$suffix" }
            if ($yaml.Contains('Position') -and $yaml['Position'] -ne $setFact.Position) { Add-Problem "Position is '$($yaml['Position'])', the cmdlet has '$($setFact.Position)'$suffix" }
            if ($yaml.Contains('Accept pipeline input')) {
                $normalize = { param($t) ($t -replace '\s', '' -split '[(),]' | Where-Object { $_ } | Sort-Object) -join ',' }
                if ((& $normalize $yaml['Accept pipeline input']) -ne (& $normalize $setFact.PipelineInput)) {
                    Add-Problem "Accept pipeline input is '$($yaml['Accept pipeline input'])', the cmdlet has '$($setFact.PipelineInput)'$suffix"
                }
            }
        }
    }
    foreach ($set in $paramSets) {
        if (-not $covered.ContainsKey($set)) { Add-Problem "no yaml block covers parameter set '$set'" }
    }
}

#endregion

#region Writing MAML

$script:Ns = @{
    maml = 'http://schemas.microsoft.com/maml/2004/10'
    command = 'http://schemas.microsoft.com/maml/dev/command/2004/10'
    dev = 'http://schemas.microsoft.com/maml/dev/2004/10'
    MSHelp = 'http://msdn.microsoft.com/mshelp'
}

function Write-Element([System.Xml.XmlWriter] $Writer, [string] $QualifiedName, [string] $Text, [hashtable] $Attributes) {
    $prefix, $local = $QualifiedName -split ':', 2
    $Writer.WriteStartElement($prefix, $local, $script:Ns[$prefix])
    if ($Attributes) { foreach ($key in $Attributes.Keys | Sort-Object) { $Writer.WriteAttributeString($key, $Attributes[$key]) } }
    if ($null -ne $Text) { $Writer.WriteString($Text) }
    $Writer.WriteEndElement()
}

function Write-Para([System.Xml.XmlWriter] $Writer, [string] $Container, [string[]] $Paragraphs) {
    $prefix, $local = $Container -split ':', 2
    $Writer.WriteStartElement($prefix, $local, $script:Ns[$prefix])
    foreach ($paragraph in @($Paragraphs)) { if ($null -ne $paragraph) { Write-Element $Writer 'maml:para' $paragraph } }
    $Writer.WriteEndElement()
}

function Write-ParameterElement([System.Xml.XmlWriter] $Writer, $Fact, $SetFact, [string[]] $Description, [string] $Default, [bool] $InSyntax) {
    $parameter = $SetFact.Parameter
    $Writer.WriteStartElement('command', 'parameter', $script:Ns.command)
    $Writer.WriteAttributeString('required', $SetFact.Required.ToLowerInvariant())
    $Writer.WriteAttributeString('variableLength', ([string]$Fact.Type.IsArray).ToLowerInvariant())
    $Writer.WriteAttributeString('globbing', ([string]$Fact.Globbing).ToLowerInvariant())
    $Writer.WriteAttributeString('pipelineInput', $SetFact.PipelineInput)
    $Writer.WriteAttributeString('position', $SetFact.Position.ToLowerInvariant())
    $Writer.WriteAttributeString('aliases', ($Fact.Aliases ? ($Fact.Aliases -join ', ') : 'none'))
    Write-Element $Writer 'maml:name' $Fact.Name
    Write-Para $Writer 'maml:description' $Description
    if ($InSyntax -and $Fact.AcceptedValues) {
        $Writer.WriteStartElement('command', 'parameterValueGroup', $script:Ns.command)
        foreach ($value in $Fact.AcceptedValues) { Write-Element $Writer 'command:parameterValue' $value @{ required = 'false'; variableLength = 'false' } }
        $Writer.WriteEndElement()
    }
    # Switches show no value in the syntax ([-Wait], not [-Wait <SwitchParameter>]).
    if (-not ($InSyntax -and $Fact.IsSwitch)) {
        Write-Element $Writer 'command:parameterValue' $Fact.TypeName @{ required = ([string](-not $Fact.IsSwitch)).ToLowerInvariant(); variableLength = ([string]$Fact.Type.IsArray).ToLowerInvariant() }
    }
    $Writer.WriteStartElement('dev', 'type', $script:Ns.dev)
    Write-Element $Writer 'maml:name' $Fact.TypeName
    Write-Element $Writer 'maml:uri' ''
    $Writer.WriteEndElement()
    Write-Element $Writer 'dev:defaultValue' ($Default ? $Default : 'None')
    $Writer.WriteEndElement()
}

# The ### entries of INPUTS or OUTPUTS: type name and description.
function Get-TypeEntry($Page, [string] $Section) {
    foreach ($part in Split-Heading ($Page.Sections[$Section] ?? @()) 3 | Select-Object -Skip 1) {
        [pscustomobject]@{ Type = (ConvertFrom-MarkdownText $part.Title); Description = @(Get-Paragraph $part.Lines) }
    }
}

function Write-Command([System.Xml.XmlWriter] $Writer, $Page, [System.Management.Automation.CmdletInfo] $Command) {
    $Writer.WriteStartElement('command', 'command', $script:Ns.command)
    foreach ($prefix in 'maml', 'command', 'dev', 'MSHelp') { $Writer.WriteAttributeString('xmlns', $prefix, $null, $script:Ns[$prefix]) }

    $Writer.WriteStartElement('command', 'details', $script:Ns.command)
    Write-Element $Writer 'command:name' $Command.Name
    Write-Element $Writer 'command:verb' $Command.Verb
    Write-Element $Writer 'command:noun' $Command.Noun
    Write-Para $Writer 'maml:description' @(Get-Paragraph $Page.Sections['SYNOPSIS'])
    $Writer.WriteEndElement()

    Write-Para $Writer 'maml:description' @(Get-Paragraph $Page.Sections['DESCRIPTION'])

    # Descriptions and defaults of the parameters, from the page.
    $facts = Get-ParameterFact $Command
    $descriptions = [ordered]@{}
    $defaults = @{}
    foreach ($part in Split-Heading $Page.Sections['PARAMETERS'] 3 | Select-Object -Skip 1) {
        if ($part.Title -notmatch '^-(\S+)$') { continue }
        $name = $Matches[1]
        $blocks = @(Get-Block $part.Lines)
        $descriptions[$name] = @($blocks | Where-Object Kind -eq 'Text' | ForEach-Object { ConvertFrom-MarkdownText $_.Text })
        $yaml = $blocks | Where-Object { $_.Kind -eq 'Code' -and $_.Language -eq 'yaml' } | Select-Object -First 1
        $defaults[$name] = $yaml ? (Read-YamlBlock $yaml.Text)['Default value'] : $null
    }

    $sets = @(Get-ParameterSet $Command)
    $Writer.WriteStartElement('command', 'syntax', $script:Ns.command)
    foreach ($set in $sets) {
        $Writer.WriteStartElement('command', 'syntaxItem', $script:Ns.command)
        Write-Element $Writer 'maml:name' $Command.Name
        foreach ($parameter in Get-DisplayOrder $set) {
            $fact = $facts[$parameter.Name]
            Write-ParameterElement $Writer $fact $fact.Sets[$set.Name] $descriptions[$parameter.Name] $defaults[$parameter.Name] $true
        }
        $Writer.WriteEndElement()
    }
    $Writer.WriteEndElement()

    # Each parameter once, in the page's order, with its facts in the default set (or the first set it is in).
    $Writer.WriteStartElement('command', 'parameters', $script:Ns.command)
    $ordered = @($descriptions.Keys | Where-Object { $facts.Contains($_) } | ForEach-Object { $facts[$_] })
    foreach ($fact in $ordered) {
        $setName = ($sets.Name | Where-Object { $fact.Sets.Contains($_) } | Select-Object -First 1)
        Write-ParameterElement $Writer $fact $fact.Sets[$setName] $descriptions[$fact.Name] $defaults[$fact.Name] $false
    }
    $Writer.WriteEndElement()

    foreach ($kind in @(@('INPUTS', 'inputTypes', 'inputType'), @('OUTPUTS', 'returnValues', 'returnValue'))) {
        $Writer.WriteStartElement('command', $kind[1], $script:Ns.command)
        foreach ($entry in Get-TypeEntry $Page $kind[0]) {
            $Writer.WriteStartElement('command', $kind[2], $script:Ns.command)
            $Writer.WriteStartElement('dev', 'type', $script:Ns.dev)
            Write-Element $Writer 'maml:name' $entry.Type
            $Writer.WriteEndElement()
            Write-Para $Writer 'maml:description' $entry.Description
            $Writer.WriteEndElement()
        }
        $Writer.WriteEndElement()
    }

    $Writer.WriteStartElement('maml', 'alertSet', $script:Ns.maml)
    Write-Para $Writer 'maml:alert' @(Get-Paragraph $Page.Sections['NOTES'])
    $Writer.WriteEndElement()

    $Writer.WriteStartElement('command', 'examples', $script:Ns.command)
    foreach ($example in Split-Heading $Page.Sections['EXAMPLES'] 3 | Select-Object -Skip 1) {
        $blocks = @(Get-Block $example.Lines)
        $Writer.WriteStartElement('command', 'example', $script:Ns.command)
        Write-Element $Writer 'maml:title' "---------- $($example.Title) ----------"
        Write-Element $Writer 'dev:code' (($blocks | Where-Object Kind -eq 'Code' | ForEach-Object Text) -join "`n`n")
        # The empty paragraph keeps a blank line before the next example's title.
        Write-Para $Writer 'dev:remarks' (@($blocks | Where-Object Kind -eq 'Text' | ForEach-Object { ConvertFrom-MarkdownText $_.Text }) + '')
        $Writer.WriteEndElement()
    }
    $Writer.WriteEndElement()

    $Writer.WriteStartElement('command', 'relatedLinks', $script:Ns.command)
    $links = @()
    if ($Page.FrontMatter['online version']) { $links += , @('Online Version:', $Page.FrontMatter['online version']) }
    foreach ($line in $Page.Sections['RELATED LINKS']) {
        if ($line -match '^\s*[-*]?\s*\[([^\]]+)\]\(([^)]*)\)') { $links += , @($Matches[1], $Matches[2]) }
        elseif ($line.Trim()) { $links += , @((ConvertFrom-MarkdownText $line.Trim().TrimStart('-', '*', ' ')), '') }
    }
    foreach ($link in $links) {
        $Writer.WriteStartElement('maml', 'navigationLink', $script:Ns.maml)
        Write-Element $Writer 'maml:linkText' $link[0]
        Write-Element $Writer 'maml:uri' $link[1]
        $Writer.WriteEndElement()
    }
    $Writer.WriteEndElement()

    $Writer.WriteEndElement()
}

#endregion

#region Stub pages

function New-PageText([System.Management.Automation.CmdletInfo] $Command, [string] $ModuleName) {
    $nl = "`n"
    $sets = @(Get-ParameterSet $Command)
    $text = "---${nl}external help file: $($Command.HelpFile)${nl}Module Name: $ModuleName${nl}online version:${nl}schema: 2.0.0${nl}---${nl}${nl}"
    $text += "# $($Command.Name)${nl}${nl}## SYNOPSIS${nl}{{ Fill in the Synopsis }}${nl}${nl}## SYNTAX${nl}${nl}"
    foreach ($set in $sets) {
        if ($sets.Count -gt 1) { $text += "### $($set.Name)$($set.IsDefault ? ' (Default)' : '')${nl}" }
        $text += '```' + $nl + (Get-SyntaxText $Command $set 110) + $nl + '```' + $nl + $nl
    }
    $text += "## DESCRIPTION${nl}{{ Fill in the Description }}${nl}${nl}## EXAMPLES${nl}${nl}"
    foreach ($n in 1, 2) { $text += "### Example ${n}: {{ Add example title }}${nl}" + '```powershell' + "${nl}PS C:\> {{ Add example code here }}${nl}" + '```' + "${nl}${nl}{{ Add example description here }}${nl}${nl}" }
    $text += "## PARAMETERS${nl}${nl}"
    $facts = Get-ParameterFact $Command
    foreach ($fact in $facts.Values | Sort-Object { $_.Name -in 'WhatIf', 'Confirm' }, Name) {
        $text += "### -$($fact.Name)${nl}{{ Fill $($fact.Name) Description }}${nl}${nl}"
        $groups = $fact.Sets.GetEnumerator() | Group-Object { '{0}|{1}|{2}' -f $_.Value.Required, $_.Value.Position, $_.Value.PipelineInput }
        foreach ($group in $groups) {
            $first = $group.Group[0].Value
            $setNames = @($group.Group | ForEach-Object Key)
            $setText = ($setNames.Count -eq $fact.Sets.Count -and ($fact.Sets.Count -eq $sets.Count -or $sets.Count -eq 1)) ? '(All)' : ($setNames -join ', ')
            $text += '```yaml' + $nl + "Type: $($fact.TypeName)${nl}Parameter Sets: $setText${nl}Aliases:$(($fact.Aliases | ForEach-Object { " $_" }) -join ',')${nl}"
            if ($fact.AcceptedValues) { $text += "Accepted values: $($fact.AcceptedValues -join ', ')${nl}" }
            $text += "${nl}Required: $($first.Required)${nl}Position: $($first.Position)${nl}Default value: $($fact.IsSwitch ? 'False' : 'None')${nl}"
            $text += "Accept pipeline input: $($first.PipelineInput)${nl}Accept wildcard characters: $($fact.Globbing)${nl}" + '```' + $nl + $nl
        }
    }
    $text += "### CommonParameters${nl}This cmdlet supports the common parameters: -Debug, -ErrorAction, -ErrorVariable, -InformationAction, -InformationVariable, -OutVariable, -OutBuffer, -PipelineVariable, -ProgressAction, -Verbose, -WarningAction, and -WarningVariable. For more information, see [about_CommonParameters](http://go.microsoft.com/fwlink/?LinkID=113216).${nl}${nl}"
    $text += "## INPUTS${nl}${nl}"
    $inputs = @($facts.Values | Where-Object { $_.Sets.Values | Where-Object { $_.Parameter.ValueFromPipeline } } | ForEach-Object { ($_.Type.IsArray ? $_.Type.GetElementType() : $_.Type).FullName } | Select-Object -Unique)
    foreach ($type in ($inputs ? $inputs : @('None'))) { $text += "### $type${nl}{{ Fill in the input description }}${nl}${nl}" }
    $text += "## OUTPUTS${nl}${nl}"
    foreach ($type in ($Command.OutputType ? @($Command.OutputType.Name) : @('None'))) { $text += "### $type${nl}{{ Fill in the output description }}${nl}${nl}" }
    $text += "## NOTES${nl}${nl}## RELATED LINKS${nl}${nl}[about_$ModuleName]()${nl}"
    $text
}

#endregion

#region Main (in the child process)

try {
    $module = Import-Module $ModulePath -Force -PassThru -ErrorAction Stop | Select-Object -First 1
    $commands = @(Get-Command -Module $module.Name -CommandType Cmdlet | Sort-Object Name)
    if (-not $commands) { throw "the module $ModulePath exports no cmdlets" }
    if (-not (Test-Path -LiteralPath $DocsPath -PathType Container)) { New-Item -ItemType Directory -Path $DocsPath | Out-Null }

    $problems = [System.Collections.Generic.List[string]]::new()
    $pages = @{}
    foreach ($file in Get-ChildItem -LiteralPath $DocsPath -Filter *.md -File | Where-Object Name -notlike 'about_*' | Sort-Object Name) {
        $page = Read-Page $file.FullName
        $key = $page.Title ?? $file.BaseName
        if ($pages.ContainsKey($key)) { $problems.Add("$($file.Name): documents $key, which $($pages[$key].File) documents too"); continue }
        $pages[$key] = $page
    }

    foreach ($command in $commands) {
        if ($pages.ContainsKey($command.Name)) { continue }
        $path = Join-Path $DocsPath "$($command.Name).md"
        if ($NewMissingPages) {
            Set-Content -LiteralPath $path -Value (New-PageText $command $module.Name) -NoNewline -Encoding utf8NoBOM
            Write-Output "wrote the stub ${path}: fill in its {{ ... }} placeholders"
            $pages[$command.Name] = Read-Page $path
        }
        else {
            $problems.Add("$($command.Name): the cmdlet has no page (expected $path; run docs/build-help.ps1 with -NewMissingPages to write a stub)")
        }
    }
    foreach ($key in $pages.Keys | Sort-Object) {
        $command = $commands | Where-Object Name -eq $key
        if (-not $command) { $problems.Add("$($pages[$key].File): documents $key, which is not a cmdlet of $($module.Name)"); continue }
        Test-Page $pages[$key] $command $module.Name $problems
    }
    $helpFiles = @($commands.HelpFile | Select-Object -Unique)
    if ($helpFiles.Count -ne 1 -or $helpFiles[0] -ne (Split-Path $OutputPath -Leaf)) {
        $problems.Add("the cmdlets read their help from $($helpFiles -join ', '), but the output is $(Split-Path $OutputPath -Leaf)")
    }

    if ($problems.Count -gt 0) {
        Write-Output "The help in $DocsPath does not match the cmdlets of $($module.Name) ($($problems.Count) problem(s)):"
        $problems | ForEach-Object { Write-Output "  $_" }
        exit 1
    }

    $directory = Split-Path $OutputPath
    if (-not (Test-Path -LiteralPath $directory)) { New-Item -ItemType Directory -Path $directory | Out-Null }
    $settings = [System.Xml.XmlWriterSettings]@{ Indent = $true; IndentChars = '  '; Encoding = [System.Text.UTF8Encoding]::new($false) }
    $writer = [System.Xml.XmlWriter]::Create($OutputPath, $settings)
    try {
        $writer.WriteStartDocument()
        $writer.WriteStartElement('helpItems', 'http://msh')
        $writer.WriteAttributeString('schema', 'maml')
        foreach ($command in $commands) { Write-Command $writer $pages[$command.Name] $command }
        $writer.WriteEndElement()
        $writer.WriteEndDocument()
    }
    finally { $writer.Dispose() }
    Write-Output "help: $($commands.Count) cmdlets -> $OutputPath"
    exit 0
}
catch {
    Write-Output "docs/build-help.ps1: $($_.Exception.Message)"
    Write-Output ($_.ScriptStackTrace)
    exit 2
}

#endregion

# Extracts the runnable examples a user reads: the ### Example sections of docs/en-US/*.md, the
# ```powershell blocks of README.md and the EXAMPLES section of about_CoreAgent. Each example is
# its code, the output it states (an ```Output block; none for the about topic) and, when the doc
# marks it as not runnable unattended, the reason:
#   markdown:  <!-- not-run: reason --> in the example's section (README: just above the block)
#   any file:  a first code line "# not-run: reason"
# A marker without a reason gives SkipReason '' (the test fails on it); no marker gives $null.

$script:NotRunComment = '^\s*<!--\s*not-run:(?<reason>.*?)-->\s*$'
$script:NotRunCodeLine = '^\s*#\s*not-run:(?<reason>.*)$'

function New-DocExample([string] $File, [int] $Line, [string] $Title, [string[]] $Code, [string] $Output, $SkipReason) {
    $code = @($Code)
    if ($code.Count -gt 0 -and $code[0] -match $script:NotRunCodeLine) { $SkipReason = $Matches.reason.Trim() }
    [pscustomobject]@{
        File       = $File
        Line       = $Line
        Title      = $Title
        Code       = $code -join "`n"
        Output     = $Output
        SkipReason = $SkipReason
    }
}

# The fenced blocks of markdown lines: language, first line number (1-based) and text.
function Get-FencedBlock([string[]] $Lines, [int] $FirstLine = 1) {
    $fence = $null
    for ($i = 0; $i -lt $Lines.Count; $i++) {
        $line = $Lines[$i]
        if ($null -eq $fence) {
            if ($line -match '^\s*(?<fence>`{3,}|~{3,})\s*(?<lang>[\w-]*)') {
                $fence = $Matches.fence; $lang = $Matches.lang.ToLowerInvariant(); $start = $i; $body = @()
            }
        }
        elseif ($line.Trim() -match "^$([regex]::Escape($fence[0])){$($fence.Length),}\s*$") {
            [pscustomobject]@{ Language = $lang; Line = $FirstLine + $start; Index = $start; Text = $body -join "`n" }
            $fence = $null
        }
        else { $body += $line }
    }
}

# The lines of a markdown section '## <Name>' up to the next '## ' heading outside a fence.
function Get-MarkdownExampleSection([string[]] $Lines) {
    $start = [array]::FindIndex($Lines, [Predicate[string]] { param($l) $l -match '^##\s+EXAMPLES\s*$' })
    if ($start -lt 0) { return $null }
    $end = $Lines.Count
    $inFence = $false
    for ($i = $start + 1; $i -lt $Lines.Count; $i++) {
        if ($Lines[$i] -match '^\s*(`{3,}|~{3,})') { $inFence = -not $inFence }
        elseif (-not $inFence -and $Lines[$i] -match '^##\s') { $end = $i; break }
    }
    [pscustomobject]@{ Start = $start; Lines = $Lines[$start..($end - 1)] }
}

function Get-CmdletHelpExample([string] $Path) {
    $lines = @(Get-Content -LiteralPath $Path)
    $name = Split-Path $Path -Leaf
    $section = Get-MarkdownExampleSection $lines
    if (-not $section) { return }
    $headings = @(for ($i = 0; $i -lt $section.Lines.Count; $i++) { if ($section.Lines[$i] -match '^###\s+(.*)$') { $i } })
    for ($h = 0; $h -lt $headings.Count; $h++) {
        $from = $headings[$h]
        $to = if ($h + 1 -lt $headings.Count) { $headings[$h + 1] - 1 } else { $section.Lines.Count - 1 }
        $body = $section.Lines[$from..$to]
        $title = ($body[0] -replace '^###\s+', '').Trim()
        $blocks = @(Get-FencedBlock $body ($section.Start + $from + 1))
        $code = @($blocks | Where-Object Language -in 'powershell', 'ps1', 'pwsh' | ForEach-Object { $_.Text })
        $output = @($blocks | Where-Object Language -eq 'output' | ForEach-Object Text) -join "`n"
        $skip = $null
        foreach ($line in $body) { if ($line -match $script:NotRunComment) { $skip = $Matches.reason.Trim() } }
        if ($code.Count -gt 0) {
            New-DocExample $name ($section.Start + $from + 1) $title ($code -join "`n`n" -split "`n") $output $skip
        }
    }
}

# README: every ```powershell block, with the ```Output block right after it, if any.
function Get-ReadmeExample([string] $Path) {
    $lines = @(Get-Content -LiteralPath $Path)
    $blocks = @(Get-FencedBlock $lines)
    for ($b = 0; $b -lt $blocks.Count; $b++) {
        $block = $blocks[$b]
        if ($block.Language -notin 'powershell', 'ps1', 'pwsh') { continue }
        $output = if ($b + 1 -lt $blocks.Count -and $blocks[$b + 1].Language -eq 'output') { $blocks[$b + 1].Text } else { '' }
        # The marker is the last non-blank line above the block.
        $skip = $null
        for ($i = $block.Index - 1; $i -ge 0 -and $lines[$i].Trim() -eq '' ; $i--) { }
        if ($i -ge 0 -and $lines[$i] -match $script:NotRunComment) { $skip = $Matches.reason.Trim() }
        New-DocExample (Split-Path $Path -Leaf) $block.Line "code block at line $($block.Line)" ($block.Text -split "`n") $output $skip
    }
}

# about_CoreAgent: in the EXAMPLES section, an explanation indented 4 spaces and ending with ':'
# is followed by its code, indented 8 (continuation lines more); the code is dedented by 8.
function Get-AboutExample([string] $Path) {
    $lines = @(Get-Content -LiteralPath $Path)
    $start = [array]::IndexOf($lines, 'EXAMPLES')
    if ($start -lt 0) { return }
    $title = @(); $code = @(); $codeLine = 0
    $emit = {
        if ($code.Count -gt 0) {
            while ($code[-1].Trim() -eq '') { $code = $code[0..($code.Count - 2)] }
            New-DocExample (Split-Path $Path -Leaf) $codeLine (($title -join ' ') -replace '\s+', ' ') $code '' $null
        }
    }
    for ($i = $start + 1; $i -lt $lines.Count; $i++) {
        $line = $lines[$i]
        if ($line -match '^\S') { break }                                   # the next section
        if ($line -match '^ {8}') {
            if ($code.Count -eq 0) { $codeLine = $i + 1 }
            $code += $line.Substring(8)
        }
        elseif ($line.Trim() -eq '') { if ($code.Count -gt 0) { $code += '' } }
        else {
            if ($code.Count -gt 0) { & $emit; $title = @(); $code = @() }
            $title += $line.Trim()
        }
    }
    & $emit
}

# Every example of the repository's user docs, in file order.
function Get-DocExample([string] $Root) {
    foreach ($page in Get-ChildItem (Join-Path $Root 'docs/en-US') -Filter *.md | Sort-Object Name) { Get-CmdletHelpExample $page.FullName }
    Get-ReadmeExample (Join-Path $Root 'README.md')
    Get-AboutExample (Join-Path $Root 'module/en-US/about_CoreAgent.help.txt')
}

# Runs every example a user reads (docs/en-US/*.md, README.md, about_CoreAgent; extracted by
# examples/Get-DocExample.ps1, so a new example is covered without editing this file), each as
# written, in its own fresh pwsh with the module imported and a new empty working directory that
# holds only out_gstdout.so (fluent-bit-go's gstdout example, which the docs assume a user has
# built there). An example passes when it ends within the timeout without an error it does not
# state, and prints every word of the output it states. An example that cannot run unattended is
# marked in the doc with <!-- not-run: reason --> (or a first code line "# not-run: reason"):
# it is skipped with that reason, and a marker without a reason fails.

BeforeDiscovery {
    $root = Join-Path $PSScriptRoot '../..'
    . (Join-Path $PSScriptRoot 'examples/Get-DocExample.ps1')
    $examples = @(Get-DocExample $root)
    $cases = @(for ($i = 0; $i -lt $examples.Count; $i++) { @{ Example = ($examples[$i] | Add-Member -NotePropertyName Id -NotePropertyValue $i -PassThru) } })
}

BeforeAll {
    . (Join-Path $PSScriptRoot 'common.ps1')
    . (Join-Path $PSScriptRoot 'examples/Get-DocExample.ps1')
    $script:Root = (Resolve-Path (Join-Path $PSScriptRoot '../..')).Path
    $script:Runner = (Resolve-Path (Join-Path $PSScriptRoot 'examples/Invoke-Example.ps1')).Path
    $script:Pester = (Get-Module Pester).Path
    $script:Module = (Resolve-Path $script:ModulePath).Path
    $script:Gstdout = Get-TestPlugin 'out_gstdout'
    $script:TimeoutSeconds = 120
    $script:Parallel = 3
    $script:WorkRoot = Join-Path ([System.IO.Path]::GetTempPath()) ("coreagent-examples-{0}" -f [guid]::NewGuid().ToString('N').Substring(0, 8))

    # The words of a stated output that the real output must contain: runs of 3 or more letters
    # (underscores allowed) that are whole words, leaving out paths, ids and times, which differ on
    # every machine and run. Numbers are never compared.
    function Get-StatedWord([string] $Text) {
        $chunks = $Text -split '\s+' | Where-Object { $_ -and $_ -notmatch '[/\\]' }
        $words = foreach ($chunk in $chunks) {
            [regex]::Matches($chunk, '(?<![A-Za-z0-9_])[A-Za-z_]{3,}(?![A-Za-z0-9_])') | ForEach-Object Value
        }
        @($words | Select-Object -Unique)
    }

    function Start-Example($Example) {
        $dir = Join-Path $script:WorkRoot ("{0:d3}" -f $Example.Id)
        New-Item -ItemType Directory $dir | Out-Null
        Copy-Item $script:Gstdout (Join-Path $dir 'out_gstdout.so')
        $codeFile = Join-Path $script:WorkRoot ("{0:d3}.ps1" -f $Example.Id)
        Set-Content -LiteralPath $codeFile -Value $Example.Code
        $exe = [Environment]::ProcessPath
        $info = [System.Diagnostics.ProcessStartInfo]::new($exe)
        if ([System.IO.Path]::GetFileNameWithoutExtension($exe) -eq 'dotnet') { $info.ArgumentList.Add([System.Reflection.Assembly]::GetEntryAssembly().Location) }
        foreach ($a in '-NoProfile', '-NonInteractive', '-File', $script:Runner, '-ModulePath', $script:Module, '-PesterPath', $script:Pester,
            '-CodeFile', $codeFile, '-ErrorFile', "$codeFile.errors.json") { $info.ArgumentList.Add($a) }
        $info.WorkingDirectory = $dir
        $info.RedirectStandardOutput = $true
        $info.RedirectStandardError = $true
        $info.UseShellExecute = $false
        $process = [System.Diagnostics.Process]::Start($info)
        [pscustomobject]@{
            Example = $Example; Process = $process; ErrorFile = "$codeFile.errors.json"
            Stdout = $process.StandardOutput.ReadToEndAsync(); Stderr = $process.StandardError.ReadToEndAsync()
            Deadline = [DateTime]::UtcNow.AddSeconds($script:TimeoutSeconds); Started = [DateTime]::UtcNow
        }
    }

    function Complete-Example($Run, [bool] $TimedOut) {
        if ($TimedOut) { $Run.Process.Kill($true) }
        $Run.Process.WaitForExit()
        $errors = if (Test-Path $Run.ErrorFile) { @(Get-Content $Run.ErrorFile -Raw | ConvertFrom-Json) } else { @() }
        [pscustomobject]@{
            TimedOut = $TimedOut
            ExitCode = $Run.Process.ExitCode
            Output   = $Run.Stdout.Result + "`n" + $Run.Stderr.Result
            Errors   = @($errors | Where-Object { $_ })
            Seconds  = [math]::Round(([DateTime]::UtcNow - $Run.Started).TotalSeconds, 1)
            Finished = Test-Path $Run.ErrorFile
        }
    }

    # Runs every runnable example, $script:Parallel at a time (most of an example's time is spent
    # waiting for its pipeline), and keeps each one's result by Id.
    $script:Results = @{}
    # Numbered in the same order as at discovery, so an Id names the same example in both phases.
    $script:Examples = @(Get-DocExample $script:Root)
    for ($i = 0; $i -lt $script:Examples.Count; $i++) { $script:Examples[$i] | Add-Member -NotePropertyName Id -NotePropertyValue $i }
    $queue = [System.Collections.Generic.Queue[object]]::new()
    foreach ($e in $script:Examples) { if ($null -eq $e.SkipReason) { $queue.Enqueue($e) } }
    $running = [System.Collections.Generic.List[object]]::new()
    while ($queue.Count -gt 0 -or $running.Count -gt 0) {
        while ($queue.Count -gt 0 -and $running.Count -lt $script:Parallel) { $running.Add((Start-Example $queue.Dequeue())) }
        foreach ($run in @($running)) {
            $timedOut = [DateTime]::UtcNow -gt $run.Deadline
            if ($run.Process.HasExited -or $timedOut) {
                $script:Results[$run.Example.Id] = Complete-Example $run (-not $run.Process.HasExited)
                $running.Remove($run) | Out-Null
            }
        }
        $run = $null
        [System.Threading.Thread]::Sleep(100)   # polling the child processes, not waiting for a result
    }

    $skipped = @($script:Examples | Where-Object { $null -ne $_.SkipReason })
    Write-Host ("Examples: {0} found, {1} run, {2} skipped" -f $script:Examples.Count, $script:Results.Count, $skipped.Count)
    $slowest = $script:Results.GetEnumerator() | Sort-Object { $_.Value.Seconds } -Descending | Select-Object -First 5
    Write-Host ('  slowest: ' + (($slowest | ForEach-Object { '{0}:{1} {2}s' -f $script:Examples[$_.Key].File, $script:Examples[$_.Key].Line, $_.Value.Seconds }) -join ', '))
    foreach ($s in $skipped) { Write-Host ("  skipped {0}:{1} '{2}': {3}" -f $s.File, $s.Line, $s.Title, $(if ($s.SkipReason) { $s.SkipReason } else { '(NO REASON GIVEN)' })) }
}

AfterAll {
    if ($script:WorkRoot -and (Test-Path $script:WorkRoot)) { Remove-Item $script:WorkRoot -Recurse -Force -ErrorAction SilentlyContinue }
}

Describe 'The documentation examples' {
    It 'are found in every cmdlet help page, the README and about_CoreAgent' {
        $files = @($script:Examples.File | Select-Object -Unique)
        foreach ($page in Get-ChildItem (Join-Path $PSScriptRoot '../../docs/en-US') -Filter *.md) { $files | Should -Contain $page.Name }
        $files | Should -Contain 'README.md'
        $files | Should -Contain 'about_CoreAgent.help.txt'
    }

    It 'are extracted with their code, stated output and not-run markers (checked on a sample page)' {
        $page = Join-Path $TestDrive 'Get-Sample.md'
        Set-Content $page @(
            '## EXAMPLES', '', '### Example 1: Runs', '```powershell', 'Get-AgentPlugin cpu', '```', '', '```Output', 'cpu Input', '```', '', 'Text.', ''
            '### Example 2: Needs a host', '<!-- not-run: needs a remote aggregator -->', '```powershell', 'Send-It', '```', '', 'Text.', ''
            '### Example 3: Marked without a reason', '<!-- not-run: -->', '```powershell', 'Other', '```', ''
            '## PARAMETERS', '```powershell', 'not an example', '```')
        $found = @(Get-CmdletHelpExample $page)
        $found.Title | Should -Be 'Example 1: Runs', 'Example 2: Needs a host', 'Example 3: Marked without a reason'
        $found[0].Code | Should -BeExactly 'Get-AgentPlugin cpu'
        $found[0].Output | Should -BeExactly 'cpu Input'
        $found[0].SkipReason | Should -BeNullOrEmpty
        $found[1].SkipReason | Should -BeExactly 'needs a remote aggregator'
        $found[2].SkipReason | Should -BeExactly ''
        Get-StatedWord "Name  Path`ngstdout.0 /home/me/out_gstdout.so 3109c156-f232 12" | Should -Be 'Name', 'Path', 'gstdout'
    }

    It 'give a reason wherever one is marked not-run' {
        $script:Examples | Where-Object { $null -ne $_.SkipReason -and $_.SkipReason -eq '' } | ForEach-Object { "$($_.File):$($_.Line) $($_.Title)" } | Should -BeNullOrEmpty
    }
}

Describe '<Example.File>:<Example.Line> <Example.Title>' -ForEach $cases {
    BeforeAll { $result = $script:Results[$Example.Id] }

    It 'runs as written, without an error it does not state' {
        if ($null -ne $Example.SkipReason) { Set-ItResult -Skipped -Because "marked not-run: $($Example.SkipReason)"; return }
        $result.TimedOut | Should -BeFalse -Because "it must end within $script:TimeoutSeconds s; it printed:`n$($result.Output)"
        $result.Finished | Should -BeTrue -Because "the runner must reach its end; exit code $($result.ExitCode), output:`n$($result.Output)"
        # An error is stated when the first words of its message are words of the stated output.
        $stated = Get-StatedWord $Example.Output
        $unexpected = @($result.Errors | Where-Object { @(Get-StatedWord $_ | Select-Object -First 6 | Where-Object { $_ -notin $stated }).Count -gt 0 -or -not $stated })
        $unexpected | Should -BeNullOrEmpty -Because "the example's errors must be ones its doc states; it printed:`n$($result.Output)"
    }

    # Only for the examples whose doc states an output.
    if ($Example.Output) {
        It 'prints the output it states' {
            if ($null -ne $Example.SkipReason) { Set-ItResult -Skipped -Because "marked not-run: $($Example.SkipReason)"; return }
            $missing = @(Get-StatedWord $Example.Output | Where-Object { $result.Output.IndexOf($_, [StringComparison]::OrdinalIgnoreCase) -lt 0 })
            $missing | Should -BeNullOrEmpty -Because "every word of the stated output must appear; it printed:`n$($result.Output)"
        }
    }
}

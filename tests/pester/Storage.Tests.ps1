BeforeAll {
    . (Join-Path $PSScriptRoot 'common.ps1')

    # Starts a child pwsh running $Script (with the module imported) without waiting for it.
    function Start-ChildPwsh([string] $Script, [string[]] $ArgumentList = @()) {
        $exe = [Environment]::ProcessPath
        $prefix = @()
        if ([System.IO.Path]::GetFileNameWithoutExtension($exe) -eq 'dotnet') { $prefix = @([System.Reflection.Assembly]::GetEntryAssembly().Location) }
        $file = Join-Path $TestDrive ("child-{0}.ps1" -f [guid]::NewGuid().ToString('N'))
        # The script's first line is its param block; the module is imported right after it.
        $paramLine, $rest = $Script -split "`n", 2
        Set-Content -LiteralPath $file -Value ($paramLine + "`n`$ErrorActionPreference = 'Stop'`nImport-Module '$script:ModulePath'`n" + $rest)
        $info = [System.Diagnostics.ProcessStartInfo]::new($exe)
        foreach ($a in $prefix + @('-NoProfile', '-NonInteractive', '-File', $file) + $ArgumentList) { $info.ArgumentList.Add($a) }
        $info.RedirectStandardOutput = $true
        $info.RedirectStandardError = $true
        $info.UseShellExecute = $false
        $process = [System.Diagnostics.Process]::Start($info)
        $process | Add-Member -NotePropertyName StdErr -NotePropertyValue $process.StandardError.ReadToEndAsync()
        $process | Add-Member -NotePropertyName StdOut -NotePropertyValue $process.StandardOutput.ReadToEndAsync()
        $process
    }

    # The last complete line of a progress file the child appends "<n>`n" to (0 when none yet).
    function Get-Progress([string] $Path) {
        if (-not (Test-Path $Path)) { return 0 }
        $text = [IO.File]::ReadAllText($Path)
        $complete = $text.Substring(0, $text.LastIndexOf("`n") + 1)
        $lines = @($complete -split "`n" | Where-Object { $_ })
        if ($lines.Count -eq 0) { 0 } else { [int]$lines[-1] }
    }
}

Describe 'Filesystem buffering across processes' {
    BeforeAll { $script:Prefix = New-TestName 'storage' }
    AfterEach { Stop-TestPipeline "$script:Prefix*" }

    It 'delivers every record Send-AgentRecord accepted before a kill -9, in the next pipeline on the same storage.path' {
        $storage = Join-Path $TestDrive 'kill9'
        $progress = Join-Path $TestDrive 'kill9.progress'
        # The output never succeeds (nothing listens on port 1), so everything stays buffered.
        $child = Start-ChildPwsh @'
param($Storage, $Progress)
$p = Start-AgentPipeline -Name kill9 -Service @{ Flush = 2; 'storage.path' = $Storage; 'scheduler.base' = 60; 'scheduler.cap' = 60 } `
    -Input @{ Name = 'powershell'; Alias = 'feed'; 'storage.type' = 'filesystem' } `
    -Output @{ Name = 'forward'; Alias = 'sink'; Host = '127.0.0.1'; Port = 1; Retry_Limit = 'no_limits' }
$n = 0
while ($n -lt 20000) {
    ($n + 1)..($n + 100) | ForEach-Object { @{ seq = $_; text = 'x' * 100 } } | Send-AgentRecord $p
    $n += 100
    [IO.File]::AppendAllText($Progress, "$n`n")
}
Start-Sleep 600 # sent everything: wait for the kill
'@ -ArgumentList $storage, $progress
        try {
            Wait-Until { (Get-Progress $progress) -ge 5000 -or $child.HasExited } -TimeoutSeconds 180 -Because 'the child to send 5000 records'
            if ($child.HasExited) { throw "the child failed: $($child.StdErr.Result)" } # read only once it ended: Result waits for the end
            $atKill = Get-Progress $progress
            & kill -9 $child.Id
            $child.WaitForExit(30000) | Should -BeTrue
            Write-Host "kill -9 sent at progress $atKill" 
        }
        finally { if (-not $child.HasExited) { $child.Kill() } }
        $accepted = Get-Progress $progress
        $accepted | Should -BeGreaterOrEqual 5000

        $p = Start-AgentPipeline -Name (New-TestName $script:Prefix) -Service @{ Flush = 0.05; 'storage.path' = $storage } `
            -Input @{ Name = 'powershell'; Alias = 'feed'; 'storage.type' = 'filesystem' } -Output powershell
        $seen = [System.Collections.Generic.Dictionary[int, int]]::new()
        $state = @{ Found = 0 } # distinct seq numbers up to $accepted seen so far (a hashtable: the condition runs in its own scope)
        Wait-Until {
            foreach ($r in @(Receive-AgentRecord $p)) {
                $seq = [int]$r.seq
                if (-not $seen.ContainsKey($seq) -and $seq -le $accepted) { $state.Found++ }
                $seen[$seq] = $seen[$seq] + 1
            }
            $state.Found -eq $accepted
        } -TimeoutSeconds 120 -Because "every one of the $accepted accepted records to be delivered"
        Stop-AgentPipeline $p
        foreach ($r in @(Receive-AgentRecord $p)) { $seen[[int]$r.seq] = $seen[[int]$r.seq] + 1 }

        $duplicates = @($seen.Values | Where-Object { $_ -gt 1 }).Count
        $beyond = @($seen.Keys | Where-Object { $_ -gt $accepted }).Count
        Write-Host "kill -9: $accepted accepted, $($seen.Count) distinct delivered ($beyond from the send in progress at the kill), $duplicates duplicates"
        $duplicates | Should -Be 0      # nothing had been delivered before the kill, so nothing is delivered twice
        $beyond | Should -BeLessOrEqual 100 # at most the batch whose progress line was not written yet
        @(Get-ChildItem (Join-Path $storage 'feed') -File).Count | Should -Be 0 # delivered: deleted
    }

    It 'stops gracefully on <Signal>: exits within Grace and delivers every record the input had accepted' -TestCases @(
        @{ Signal = 'TERM' }, @{ Signal = 'HUP' }
    ) {
        $out = Join-Path $TestDrive "sig-$Signal"
        $ready = Join-Path $TestDrive "sig-$Signal.ready"
        # Flush 30: nothing reaches the file before the signal; the graceful stop must deliver all 2000.
        $child = Start-ChildPwsh @'
param($Out, $Ready)
$p = Start-AgentPipeline -Name sig -Service @{ Flush = 30; Grace = 5 } `
    -Input @{ Name = 'dummy'; Samples = 20; Copies = 100; Rate = 50 } `
    -Output @{ Name = 'file'; Path = $Out; File = 'records.txt'; Format = 'plain'; Mkdir = 'on' }
while ($p.Inputs[0].Metrics['records'] -lt 2000) { Start-Sleep -Milliseconds 20 }
Set-Content $Ready 'ready'
Wait-AgentPipeline $p
'@ -ArgumentList $out, $ready
        try {
            Wait-Until { (Test-Path $ready) -or $child.HasExited } -TimeoutSeconds 120 -Because 'the child pipeline to have produced 2000 records'
            if ($child.HasExited) { throw "the child failed: $($child.StdErr.Result)" } # read only once it ended: Result waits for the end
            (Get-FileLine (Join-Path $out 'records.txt')).Count | Should -Be 0
            $clock = [Diagnostics.Stopwatch]::StartNew()
            & kill "-$Signal" $child.Id
            $child.WaitForExit(25000) | Should -BeTrue -Because 'the process exits within Grace (5 s) plus slack'
            $clock.Stop()
        }
        finally { if (-not $child.HasExited) { $child.Kill() } }

        $child.ExitCode | Should -Be 0
        (Get-FileLine (Join-Path $out 'records.txt')).Count | Should -Be 2000
        $clock.Elapsed.TotalSeconds | Should -BeLessThan 20
    }

    It 'ends at once on a second signal while a stop waits for a hung output' {
        $ready = Join-Path $TestDrive 'second.ready'
        # Retry_Limit no_limits and a forward output that never connects: the stop waits the whole Grace (60 s).
        $child = Start-ChildPwsh @'
param($Ready)
$p = Start-AgentPipeline -Name second -Service @{ Flush = 0.1; Grace = 60; 'scheduler.base' = 1; 'scheduler.cap' = 1 } `
    -Input @{ Name = 'dummy'; Rate = 10 } -Output @{ Name = 'forward'; Host = '127.0.0.1'; Port = 1; Retry_Limit = 'no_limits' }
while ($p.Outputs[0].Metrics['retries'] -lt 1) { Start-Sleep -Milliseconds 20 }
Set-Content $Ready 'ready'
Wait-AgentPipeline $p
'@ -ArgumentList $ready
        try {
            Wait-Until { (Test-Path $ready) -or $child.HasExited } -TimeoutSeconds 120 -Because 'the output to be retrying'
            if ($child.HasExited) { throw "the child failed: $($child.StdErr.Result)" } # read only once it ended: Result waits for the end
            & kill -TERM $child.Id
            $child.WaitForExit(1000) | Should -BeFalse -Because 'the first signal waits for the grace period'
            $clock = [Diagnostics.Stopwatch]::StartNew()
            & kill -TERM $child.Id
            $child.WaitForExit(15000) | Should -BeTrue -Because 'a second signal ends the process at once'
            $clock.Elapsed.TotalSeconds | Should -BeLessThan 15
        }
        finally { if (-not $child.HasExited) { $child.Kill() } }
        $child.ExitCode | Should -Be (128 + 15)
    }
}

BeforeAll {
    . (Join-Path $PSScriptRoot 'common.ps1')

    # Plugin host processes whose parent is this session (their command line names the host assembly).
    function Get-HostProcessId {
        foreach ($dir in Get-ChildItem /proc -Directory -ErrorAction SilentlyContinue | Where-Object Name -Match '^\d+$') {
            try {
                $cmdline = [System.IO.File]::ReadAllText("$($dir.FullName)/cmdline")
                if (-not $cmdline.Contains('CoreAgent.PluginHost.dll')) { continue }
                $stat = [System.IO.File]::ReadAllText("$($dir.FullName)/stat")
                $ppid = [int]($stat.Substring($stat.LastIndexOf(')') + 2).Split(' ')[1])
                if ($ppid -eq $PID) { [int]$dir.Name }
            }
            catch { }
        }
    }

    function Test-ProcessAlive([int] $Id) { Test-Path "/proc/$Id" }

    $script:Crash = Get-TestPlugin 'out_crash'
    $script:Counter = Get-TestPlugin 'out_counter'
    $script:Prefix = New-TestName 'isolation'
    Import-AgentPlugin $script:Crash, $script:Counter | Out-Null
}

AfterAll { Stop-TestPipeline "$script:Prefix*" }

Describe 'Go outputs run in a supervised plugin host' {
    It 'imports an output without loading it into the session' {
        $plugin = Get-AgentPlugin crasher
        $plugin.Isolation | Should -BeExactly 'Process'
        $plugin.LoadedInProcess | Should -BeFalse
        Test-MappedInProcess $script:Crash | Should -BeFalse
    }

    It 'survives a plugin that <Mode> in a flush and delivers every record exactly once' -ForEach @(
        @{ Mode = 'panic'; Report = 'panic: out_crash: deliberate panic in flush 2' }
        @{ Mode = 'segfault'; Report = 'SIG' }
        @{ Mode = 'exit'; Report = 'exit code 3' }
    ) {
        $out = Join-Path $TestDrive "$Mode.jsonl"
        $once = Join-Path $TestDrive "$Mode.crashed"
        $p = New-AgentPipeline -Name (New-TestName "$script:Prefix-$Mode") -Service @{ flush = 0.2; 'scheduler.base' = 0.1; 'scheduler.cap' = 0.2 } `
            -Input @{ Name = 'dummy'; samples = 6; rate = 10; dummy = '{"n":1}' } `
            -Output @{ Name = 'crasher'; id = $Mode; path = $out; mode = $Mode; on_flush = 2; once = $once; retry_limit = 5 }
        $source = "$script:Prefix-$Mode-error"
        Register-ObjectEvent -InputObject $p -EventName OutputError -SourceIdentifier $source | Out-Null
        try {
            $p | Start-AgentPipeline | Out-Null
            Wait-Until { (Get-Metric $p 'crasher.0' 'proc_records') -eq 6 } -Because 'the six records are delivered across the crash'
            $event = Wait-Event -SourceIdentifier $source -Timeout 60
            Stop-AgentPipeline $p

            $event.SourceEventArgs.Kind | Should -BeExactly 'PluginCrashed'
            $event.SourceEventArgs.Output | Should -BeExactly 'crasher.0'
            $event.SourceEventArgs.Message | Should -BeLike "*$Report*"
            $lines = Read-JsonLines $out
            $lines.Count | Should -Be 6
            @($lines.pid | Sort-Object -Unique).Count | Should -Be 2 -Because 'the restarted host delivered the retried chunk'
            Get-Metric $p 'crasher.0' 'dropped_records' | Should -Be 0
            @($p.RecentLog | Where-Object { $_.Event -eq 'PluginCrashed' -and $_.Level -eq 'Error' }).Count | Should -Be 1
        }
        finally {
            Unregister-Event -SourceIdentifier $source -ErrorAction SilentlyContinue
            Get-Event -SourceIdentifier $source -ErrorAction SilentlyContinue | Remove-Event
        }
        # The session is still here, and so is a plugin that works.
        $ok = Join-Path $TestDrive "$Mode-after.jsonl"
        $q = Start-AgentPipeline -Name (New-TestName "$script:Prefix-after") -Input @{ Name = 'dummy'; samples = 2; rate = 20 } -Output @{ Name = 'counter'; id = 'ok'; path = $ok }
        Wait-Until { (Get-Metric $q 'counter.0' 'proc_records') -eq 2 } -Because 'a pipeline still runs after the crash'
        Stop-AgentPipeline $q
    }

    It 'gives up a plugin that dies at every start with a clear error, while another output goes on' {
        $marker = Join-Path $TestDrive 'giveup.crashed'
        $counted = Join-Path $TestDrive 'giveup-counter.jsonl'
        $p = Start-AgentPipeline -Name (New-TestName "$script:Prefix-giveup") -Service @{ flush = 0.1; 'scheduler.base' = 0.1; 'scheduler.cap' = 0.2 } `
            -Input @{ Name = 'dummy'; rate = 20 } `
            -Output @{ Name = 'crasher'; Match = '*'; on_flush = 1; once = $marker; init_crash_if = $marker; retry_limit = 'no_limits' },
                    @{ Name = 'counter'; Match = '*'; id = 'c'; path = $counted }

        # Restarts wait 0.5 + 1 + 2 + 4 s before giving up.
        Wait-Until { $p.RecentLog | Where-Object Event -EQ 'PluginGaveUp' } -TimeoutSeconds 120 -Because 'the crasher is given up'
        $before = Get-Metric $p 'counter.0' 'proc_records'
        Wait-Until { (Get-Metric $p 'counter.0' 'proc_records') -gt $before + 5 } -Because 'the counter keeps receiving records'
        Wait-Until { (Get-Metric $p 'crasher.0' 'errors') -gt 0 } -Because 'the given-up output fails its flushes'
        $p.State | Should -BeExactly 'Running'
        Stop-AgentPipeline $p -WarningAction SilentlyContinue

        $gaveUp = @($p.RecentLog | Where-Object Event -EQ 'PluginGaveUp')
        $gaveUp.Count | Should -Be 1
        $gaveUp[0].Level | Should -Be 'Error'
        $gaveUp[0].Message | Should -Match "Go plugin 'crasher' is given up: its plugin host died 4 times in a row"
        $gaveUp[0].Message | Should -Match 'FLBPluginInit'
    }

    It 'stops many pipelines with hung plugins in parallel within Grace + 2 s and counts what was lost' {
        $pipelines = foreach ($i in 1..4) {
            Start-AgentPipeline -Name (New-TestName "$script:Prefix-hang$i") -Service @{ flush = 0.1; grace = 2 } `
                -Input @{ Name = 'dummy'; samples = 3; rate = 20 } -Output @{ Name = 'crasher'; mode = 'hang'; on_flush = 1 }
        }
        foreach ($p in $pipelines) {
            Wait-Until { $p.Outputs[0].Flushing -eq 1 -and (Get-Metric $p 'dummy.0' 'records') -eq 3 } -Because 'every pipeline has a hung flush'
        }
        $hosts = @(Get-HostProcessId)
        $hosts.Count | Should -BeGreaterOrEqual 4

        $clock = [System.Diagnostics.Stopwatch]::StartNew()
        $pipelines | Stop-AgentPipeline -WarningVariable warnings -WarningAction SilentlyContinue
        $clock.Stop()

        # One after another, four would take 4 x 2 s.
        $clock.Elapsed.TotalSeconds | Should -BeLessThan 5.5
        foreach ($p in $pipelines) {
            $p.State | Should -BeExactly 'Stopped'
            Get-Metric $p 'crasher.0' 'dropped_records' | Should -Be 3
        }
        $warnings.Count | Should -Be 4
        $warnings[0].Message | Should -Match '3 record\(s\) discarded: .*its flush had not returned by the end of the grace period; its plugin host was ended'
        foreach ($id in $hosts) { Test-ProcessAlive $id | Should -BeFalse }
    }

    It 'leaves no plugin host behind once its pipelines have stopped' {
        Stop-TestPipeline "$script:Prefix*"
        Wait-Until { @(Get-HostProcessId).Count -eq 0 } -TimeoutSeconds 30 -Because 'every plugin host has exited'
    }

    It 'reports a plugin panic as the result of Invoke-AgentOutput, and the session survives' {
        $result = Invoke-AgentOutput crasher -InputObject @{ a = 1 }, @{ a = 2 } -Property @{ on_flush = 1 }

        $result.Result | Should -BeExactly 'Retry'
        $result.Records | Should -Be 2
        $result.Error | Should -Match 'panic: out_crash: deliberate panic in flush 1'
        $result.RequestedKeys | Should -Contain 'on_flush'
        (Invoke-AgentOutput crasher -InputObject @{ a = 1 }).Result | Should -BeExactly 'Ok'
    }
}

Describe 'a plugin host outlives no session' {
    It 'exits when the PowerShell process that started it is killed' {
        $script = @'
param($ModulePath, $Plugin)
$ErrorActionPreference = 'Stop'
Import-Module $ModulePath
$p = Start-AgentPipeline -PluginPath $Plugin -Input @{ Name = 'dummy'; samples = 1; rate = 20 } -Output @{ Name = 'crasher'; mode = 'hang'; on_flush = 1 }
$deadline = [DateTime]::UtcNow.AddSeconds(60)
while ($p.Outputs[0].Flushing -lt 1 -and [DateTime]::UtcNow -lt $deadline) { Start-Sleep -Milliseconds 50 }
foreach ($dir in Get-ChildItem /proc -Directory | Where-Object Name -Match '^\d+$') {
    try { if ([System.IO.File]::ReadAllText("$($dir.FullName)/cmdline").Contains('CoreAgent.PluginHost.dll')) { $stat = [System.IO.File]::ReadAllText("$($dir.FullName)/stat"); if ([int]($stat.Substring($stat.LastIndexOf(')') + 2).Split(' ')[1]) -eq $PID) { 'HOST:' + $dir.Name } } } catch { }
}
[Console]::Out.Flush()
Stop-Process -Id $PID -Force
'@
        $run = Invoke-ChildPwsh $script -ArgumentList $script:ModulePath, $script:Crash

        $run.ExitCode | Should -Not -Be 0
        $hostLine = @($run.Output | Where-Object { $_ -like 'HOST:*' })
        $hostLine.Count | Should -Be 1 -Because $run.Error
        $hostId = [int]$hostLine[0].Substring(5)
        Wait-Until { -not (Test-ProcessAlive $hostId) } -TimeoutSeconds 30 -Because 'the orphaned host notices its parent is gone'
    }

    It 'prints gstdout records identically isolated and in-process (child process)' {
        $script = @'
param($ModulePath, $Plugin)
$ErrorActionPreference = 'Stop'
Import-Module $ModulePath
foreach ($isolation in 'process', 'none') {
    $p = Start-AgentPipeline -PluginPath $Plugin -Output @{ Name = 'gstdout'; isolation = $isolation } -Input @{ Name = 'dummy'; copies = 2; samples = 1; rate = 20; start_time_sec = 1795639451; start_time_nsec = 784245484; fixed_timestamp = $true }
    $deadline = [DateTime]::UtcNow.AddSeconds(60)
    while ($p.Outputs[0].Metrics['proc_records'] -lt 2 -and [DateTime]::UtcNow -lt $deadline) { Start-Sleep -Milliseconds 50 }
    Stop-AgentPipeline $p
    [Console]::Out.Flush()
    'END:' + $isolation
}
'@
        $run = Invoke-ChildPwsh $script -ArgumentList $script:ModulePath, (Get-TestPlugin 'out_gstdout')

        $run.ExitCode | Should -Be 0 -Because $run.Error
        $end = [array]::IndexOf($run.Output, 'END:process')
        $end | Should -BeGreaterThan 0
        $isolated = @($run.Output[0..($end - 1)] | Where-Object { $_ -match '^\[\d+\] ' })
        $inProcess = @($run.Output[($end + 1)..($run.Output.Count - 1)] | Where-Object { $_ -match '^\[\d+\] ' })
        $isolated | Should -Be @('[0] dummy.0: [1795639451.784245484, {"message": "dummy"}]', '[1] dummy.0: [1795639451.784245484, {"message": "dummy"}]')
        $inProcess | Should -Be $isolated
    }
}

Describe 'a pwsh with no dotnet muxer (HostLauncher strategy 3, forced)' {
    It 'runs a Go output in a host started as pwsh -Command, and still survives its panic' {
        # The pwsh executable beside the running pwsh.dll: this process is not a dotnet muxer then,
        # and COREAGENT_PLUGINHOST_LAUNCH=self makes it start hosts as a PowerShell command.
        $pwsh = Join-Path $PSHOME 'pwsh'
        Test-Path $pwsh | Should -BeTrue -Because "a pwsh executable is expected at $pwsh"
        $dir = New-Item -ItemType Directory -Path (Join-Path ([IO.Path]::GetTempPath()) (New-TestName 'selfhost'))
        $out = Join-Path $dir 'out.jsonl'
        $script = @'
param($Module, $Crash, $Out, $Result)
$ErrorActionPreference = 'Stop'
Import-Module $Module
$null = Import-AgentPlugin $Crash
$p = Start-AgentPipeline -Input @{ Name = 'dummy'; samples = 3; rate = 20 } -Output @{ Name = 'crasher'; path = $Out } -Service @{ Flush = 0.1 }
$deadline = [DateTime]::UtcNow.AddSeconds(60)
$hostLine = $null
while ([DateTime]::UtcNow -lt $deadline -and -not ($hostLine -and (Test-Path $Out) -and @(Get-Content $Out).Count -ge 3)) {
    foreach ($proc in Get-ChildItem /proc -Directory | Where-Object Name -Match '^\d+$') {
        try { $c = [IO.File]::ReadAllText("$($proc.FullName)/cmdline") } catch { continue }
        if ($c.Contains('CoreAgent.PluginHost.dll') -and ($c.Contains("--parent`0$PID") -or $c.Contains("'--parent','$PID'"))) { $hostLine = $c }
    }
    Start-Sleep -Milliseconds 50
}
Stop-AgentPipeline $p | Out-Null
$panic = Invoke-AgentOutput crasher -InputObject @{ a = 1 } -Property @{ on_flush = 1 }
$env:COREAGENT_PLUGINHOST_LAUNCH = 'bogus'
$bogus = try { Invoke-AgentOutput crasher -InputObject @{ a = 1 } -WarningAction SilentlyContinue; 'no error' } catch { $_.Exception.Message }
[pscustomobject]@{ HostArgs = @($hostLine -split "`0" | Where-Object { $_ }); Panic = $panic.Result; PanicError = $panic.Error; Bogus = $bogus } | ConvertTo-Json -Depth 3 | Set-Content $Result
'@
        $scriptFile = Join-Path $dir 'child.ps1'
        Set-Content -Path $scriptFile -Value $script
        $env:COREAGENT_PLUGINHOST_LAUNCH = 'self'
        $resultFile = Join-Path $dir 'result.json'
        try { $console = & $pwsh -NoProfile -NonInteractive -File $scriptFile -Module $script:ModulePath -Crash $script:Crash -Out $out -Result $resultFile 2>&1 | Out-String }
        finally { Remove-Item Env:COREAGENT_PLUGINHOST_LAUNCH }
        Test-Path $resultFile | Should -BeTrue -Because "the child session finished: $console"
        $result = Get-Content $resultFile -Raw | ConvertFrom-Json

        $result.HostArgs[0] | Should -BeExactly $pwsh
        $result.HostArgs | Should -Contain '-Command'
        $lines = @(Get-Content $out | ConvertFrom-Json)
        $lines.Count | Should -Be 3
        $result.Panic | Should -BeExactly 'Retry'
        $result.PanicError | Should -Match 'panic: out_crash: deliberate panic in flush 1'
        $result.Bogus | Should -Match "COREAGENT_PLUGINHOST_LAUNCH 'bogus' is not one of muxer, runtime-root, self"
        Remove-Item $dir -Recurse -Force
    }
}

# Shared by every *.Tests.ps1: imports the built module and finds the Go test plugins.
$script:ModulePath = if ($env:COREAGENT_MODULE) { $env:COREAGENT_MODULE } else { Join-Path $PSScriptRoot '../../out/CoreAgent/CoreAgent.psd1' }
$script:PluginDir = if ($env:COREAGENT_TEST_PLUGINS) { $env:COREAGENT_TEST_PLUGINS } else { Join-Path $PSScriptRoot '../../out/plugins' }
Import-Module $script:ModulePath -Force

function Get-TestPlugin([string] $Name) {
    $path = Join-Path $script:PluginDir "$Name.so"
    if (-not (Test-Path $path)) { throw "test plugin $path is missing: run tests/plugins/build.sh $script:PluginDir" }
    (Resolve-Path $path).Path
}

# Waits until the condition holds, polling; fails the test after the timeout. Never a fixed sleep.
function Wait-Until([scriptblock] $Condition, [int] $TimeoutSeconds = 60, [string] $Because = 'the condition') {
    $deadline = [DateTime]::UtcNow.AddSeconds($TimeoutSeconds)
    while ([DateTime]::UtcNow -lt $deadline) {
        if (& $Condition) { return }
        Start-Sleep -Milliseconds 50
    }
    throw "timed out after $TimeoutSeconds s waiting for $Because"
}

function Read-JsonLines([string] $Path) {
    if (-not (Test-Path $Path)) { return @() }
    @(Get-Content $Path | Where-Object { $_ } | ForEach-Object { $_ | ConvertFrom-Json })
}

# A pipeline name unique to this run, so tests never see each other's pipelines (the session is shared).
function New-TestName([string] $Prefix = 'pester') {
    '{0}-{1}' -f $Prefix, [guid]::NewGuid().ToString('N').Substring(0, 8)
}

# Stops (gracefully) every pipeline of the session whose name matches the wildcard; for AfterEach/AfterAll.
function Stop-TestPipeline([string] $Like) {
    Get-AgentPipeline | Where-Object { $_.Name -like $Like -and $_.State -in 'Running', 'Starting', 'Created' } |
        Stop-AgentPipeline -ErrorAction SilentlyContinue
}

# One counter of one instance: Get-Metric $p 'counter.0' 'proc_records' (output) or Get-Metric $p 'dummy.0' 'records' (input).
function Get-Metric($Pipeline, [string] $Instance, [string] $Key) {
    $item = @($Pipeline.Inputs) + @($Pipeline.Outputs) | Where-Object Name -EQ $Instance
    if (-not $item) { throw "pipeline $($Pipeline.Name) has no instance $Instance" }
    $item.Metrics[$Key]
}

# The lines of a text file (an empty array when the file does not exist yet).
function Get-FileLine([string] $Path) {
    if (-not (Test-Path $Path)) { return @() }
    @(Get-Content -LiteralPath $Path)
}

# True when a file is mapped into this process (that is, a shared object was dlopen-ed).
function Test-MappedInProcess([string] $Path) {
    $full = [System.IO.Path]::GetFullPath($Path)
    [bool](Get-Content "/proc/$PID/maps" | Where-Object { $_.EndsWith(" $full") })
}

# Runs a script in a new PowerShell process (same pwsh as this one) and returns its stdout lines,
# stderr text and exit code. Output that Go plugins print goes to the process's stdout, which only
# a child process can capture.
function Invoke-ChildPwsh([string] $Script, [string[]] $ArgumentList = @(), [int] $TimeoutSeconds = 120) {
    $exe = [Environment]::ProcessPath
    $prefix = @()
    if ([System.IO.Path]::GetFileNameWithoutExtension($exe) -eq 'dotnet') {
        $prefix = @([System.Reflection.Assembly]::GetEntryAssembly().Location)
    }
    $file = Join-Path ([System.IO.Path]::GetTempPath()) ("coreagent-child-{0}.ps1" -f [guid]::NewGuid().ToString('N'))
    Set-Content -LiteralPath $file -Value $Script
    try {
        $info = [System.Diagnostics.ProcessStartInfo]::new($exe)
        foreach ($a in $prefix + @('-NoProfile', '-NonInteractive', '-File', $file) + $ArgumentList) { $info.ArgumentList.Add($a) }
        $info.RedirectStandardOutput = $true
        $info.RedirectStandardError = $true
        $info.UseShellExecute = $false
        $process = [System.Diagnostics.Process]::Start($info)
        $stderr = $process.StandardError.ReadToEndAsync()
        $stdout = $process.StandardOutput.ReadToEndAsync()
        if (-not $process.WaitForExit($TimeoutSeconds * 1000)) {
            $process.Kill($true)
            throw "the child pwsh did not exit within $TimeoutSeconds s"
        }
        $process.WaitForExit()
        [pscustomobject]@{
            ExitCode = $process.ExitCode
            Output   = @($stdout.Result -split "`r?`n" | Where-Object { $_ -ne '' })
            Error    = $stderr.Result
        }
    }
    finally {
        Remove-Item -LiteralPath $file -ErrorAction SilentlyContinue
    }
}

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

#!/usr/bin/env pwsh
<#
.SYNOPSIS
Builds, tests and benchmarks CoreAgent.

.DESCRIPTION
Tasks:
  Build  publishes the assemblies and assembles an importable module in out/CoreAgent
  Help   builds en-US/CoreAgent.dll-Help.xml from docs/en-US/*.md (part of Build)
  Test   Build, then the Go test plugins, the xunit suite and the Pester suite (in a fresh pwsh);
         ends with one line 'N passed, N failed' over both and fails if anything failed
  Bench  runs the benchmark (tests/CoreAgent.Benchmarks) and prints records/s and peak memory
  Demo   runs the cpu input into stdout for a few seconds
  Clean  removes out/

.EXAMPLE
./build.ps1 -Task Test
#>
[CmdletBinding()]
param(
    [ValidateSet('Build', 'Help', 'Test', 'Bench', 'Demo', 'Clean')]
    [string[]] $Task = 'Build',

    [ValidateSet('Debug', 'Release')]
    [string] $Configuration = 'Release',

    # Seconds the Demo task runs.
    [int] $DemoSeconds = 5
)

$ErrorActionPreference = 'Stop'
Set-StrictMode -Version Latest

$root = $PSScriptRoot
$out = Join-Path $root 'out'
$moduleDir = Join-Path $out 'CoreAgent'
$pluginDir = Join-Path $out 'plugins'

function Invoke-Native {
    param([string] $File, [string[]] $Arguments)
    & $File @Arguments
    if ($LASTEXITCODE -ne 0) { throw "$File $($Arguments -join ' ') failed with exit code $LASTEXITCODE" }
}

function Invoke-Build {
    $bin = Join-Path $moduleDir 'bin'
    if (Test-Path $moduleDir) { Remove-Item $moduleDir -Recurse -Force }
    # The plugin host ships in the same folder: it runs the isolated Go outputs (docs/isolation.md).
    foreach ($project in 'src/CoreAgent.Loader', 'src/CoreAgent', 'src/CoreAgent.PluginHost') {
        Invoke-Native dotnet @('publish', (Join-Path $root $project), '-c', $Configuration, '-o', $bin, '--nologo', '-v', 'quiet')
    }
    # PowerShell's own assemblies come from the host; never ship the reference copies.
    Get-ChildItem $bin -Filter 'System.Management.Automation*.dll' | Remove-Item -Force
    Copy-Item (Join-Path $root 'CoreAgent.psd1') $moduleDir
    Copy-Item (Join-Path $root 'module/*') $moduleDir -Recurse -Force
    Invoke-Help
    Write-Host "module ready: $moduleDir"
}

function Invoke-Help {
    $helpScript = Join-Path $root 'docs/build-help.ps1'
    if (Test-Path $helpScript) {
        & $helpScript -DocsPath (Join-Path $root 'docs/en-US') -ModulePath (Join-Path $moduleDir 'CoreAgent.psd1') `
            -OutputPath (Join-Path $moduleDir 'en-US/CoreAgent.dll-Help.xml')
    }
}

function Get-XunitCounts([string] $TrxDirectory) {
    $passed = 0; $failed = 0
    foreach ($trx in Get-ChildItem $TrxDirectory -Filter *.trx) {
        $counters = ([xml](Get-Content $trx.FullName -Raw)).TestRun.ResultSummary.Counters
        $passed += [int]$counters.passed
        $failed += [int]$counters.failed + [int]$counters.error + [int]$counters.timeout + [int]$counters.aborted
    }
    [pscustomobject]@{ Passed = $passed; Failed = $failed }
}

function Invoke-Test {
    Invoke-Build
    Invoke-Native bash @((Join-Path $root 'tests/plugins/build.sh'), $pluginDir)
    # The benchmark is not run by the tests, but it must keep compiling against the engine.
    Invoke-Native dotnet @('build', (Join-Path $root 'tests/CoreAgent.Benchmarks'), '-c', 'Release', '--nologo', '-v', 'quiet')

    $results = Join-Path $out 'test-results'
    if (Test-Path $results) { Remove-Item $results -Recurse -Force }
    $env:COREAGENT_TEST_PLUGINS = $pluginDir
    $env:COREAGENT_MODULE = Join-Path $moduleDir 'CoreAgent.psd1'

    & dotnet test (Join-Path $root 'tests/CoreAgent.Engine.Tests') -c $Configuration --nologo `
        --logger 'trx' --logger 'console;verbosity=minimal' --results-directory (Join-Path $results 'xunit')
    $xunitExit = $LASTEXITCODE
    $xunit = Get-XunitCounts (Join-Path $results 'xunit')
    if ($xunitExit -ne 0 -and $xunit.Failed -eq 0) { $xunit.Failed = 1; Write-Warning "dotnet test exited with $xunitExit" }

    # Pester runs in a fresh process: a loaded assembly cannot be unloaded, and a test run must not
    # depend on what this build session loaded.
    $pesterJson = Join-Path $results 'pester.json'
    New-Item -ItemType Directory -Force (Split-Path $pesterJson) | Out-Null
    & dotnet pwsh -NoProfile -File (Join-Path $root 'tests/pester/Invoke-PesterSuite.ps1') -ResultPath $pesterJson
    $pesterExit = $LASTEXITCODE
    $pester = if (Test-Path $pesterJson) { Get-Content $pesterJson -Raw | ConvertFrom-Json } else { [pscustomobject]@{ Passed = 0; Failed = 1 } }
    if ($pesterExit -ne 0 -and $pester.Failed -eq 0) { $pester.Failed = 1; Write-Warning "the Pester run exited with $pesterExit" }

    $passed = $xunit.Passed + $pester.Passed
    $failed = $xunit.Failed + $pester.Failed
    Write-Host "xunit: $($xunit.Passed) passed, $($xunit.Failed) failed; Pester: $($pester.Passed) passed, $($pester.Failed) failed"
    Write-Host "$passed passed, $failed failed"
    if ($failed -gt 0 -or $passed -eq 0) { exit 1 }
}

function Invoke-Bench {
    Invoke-Native bash @((Join-Path $root 'tests/plugins/build.sh'), $pluginDir)
    Invoke-Native dotnet @('run', '--project', (Join-Path $root 'tests/CoreAgent.Benchmarks'), '-c', 'Release', '--', '--plugins', $pluginDir)
}

function Invoke-Demo {
    Invoke-Build
    $script = "Import-Module '$moduleDir/CoreAgent.psd1'; `$p = Start-AgentPipeline -Input cpu -Output stdout -Wait -Duration ([TimeSpan]::FromSeconds($DemoSeconds)); `$p | Format-Table; `$p.Inputs + `$p.Outputs | Format-Table"
    Invoke-Native dotnet @('pwsh', '-NoProfile', '-Command', $script)
}

foreach ($name in $Task) {
    switch ($name) {
        'Build' { Invoke-Build }
        'Help' { Invoke-Help }
        'Test' { Invoke-Test }
        'Bench' { Invoke-Bench }
        'Demo' { Invoke-Demo }
        'Clean' { if (Test-Path $out) { Remove-Item $out -Recurse -Force } }
    }
}

<#
.SYNOPSIS
Runs every tests/pester/*.Tests.ps1 with Pester (restored from NuGet into out/nuget) and writes the
passed/failed counts to -ResultPath as JSON for build.ps1.
#>
param([Parameter(Mandatory)] [string] $ResultPath)

$ErrorActionPreference = 'Stop'
$PSStyle.OutputRendering = 'PlainText'
$root = Resolve-Path (Join-Path $PSScriptRoot '../..')
$pester = Join-Path $root 'out/nuget/pester/5.7.1/tools/Pester.psd1'
if (-not (Test-Path $pester)) { throw "Pester is missing at ${pester}: run tests/install-prerequisites.sh" }
Import-Module $pester -MinimumVersion 5.7.1

$configuration = New-PesterConfiguration
$configuration.Run.Path = $PSScriptRoot
$configuration.Run.PassThru = $true
$configuration.Output.Verbosity = 'Detailed'
$configuration.TestResult.Enabled = $true
$configuration.TestResult.OutputPath = Join-Path (Split-Path $ResultPath) 'pester.xml'
$result = Invoke-Pester -Configuration $configuration

$failed = $result.FailedCount + $result.FailedBlocksCount + $result.FailedContainersCount
@{ Passed = $result.PassedCount; Failed = $failed } | ConvertTo-Json | Set-Content $ResultPath
if ($failed -gt 0) { exit 1 }

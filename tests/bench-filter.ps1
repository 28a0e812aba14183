#!/usr/bin/env pwsh
<#
.SYNOPSIS
Measures what the powershell filter costs per record.

.DESCRIPTION
Runs dummy (rate 1000, copies 1000: one million records/s asked for) -> null for -Seconds, first
without a filter, then with -Filter { $true } (the block runs, the record is kept as it is) and
-Filter { $_ } (the record is also written back from $_), all in the same process one after the
other, and prints the records/s that reached null for each. The engine benchmark
(tests/CoreAgent.Benchmarks) runs without PowerShell, hence this script.

A filter runs on the thread that seals the chunk and dummy skips the ticks it misses, so with a
filter the rate is what the filter can take: 1 / rate is its cost per record on one core.

.EXAMPLE
COREAGENT_MODULE=out/CoreAgent/CoreAgent.psd1 dotnet pwsh -NoProfile -File tests/bench-filter.ps1
#>
param(
    # Seconds measured per pipeline, after a 2 s warm-up.
    [int] $Seconds = 10
)

$ErrorActionPreference = 'Stop'
$module = if ($env:COREAGENT_MODULE) { $env:COREAGENT_MODULE } else { Join-Path $PSScriptRoot '../out/CoreAgent/CoreAgent.psd1' }
Import-Module $module -Force

function Measure-Pipeline([string] $Label, [scriptblock] $Filter) {
    $definition = @{
        Name    = 'bench-filter-{0}' -f [guid]::NewGuid().ToString('N').Substring(0, 6)
        Input   = @{ Name = 'dummy'; Rate = 1000; Copies = 1000 }
        Output  = @{ Name = 'null'; Match = '*' }
        Service = @{ Flush = 0.2; Grace = 5 }
    }
    if ($Filter) { $definition.Filter = $Filter }
    $p = Start-AgentPipeline @definition
    try {
        Start-Sleep -Seconds 2 # warm-up: JIT, the runspace's first compilation
        # A filtered chunk (some 75000 records) reaches null at once, so counting over a fixed
        # window would round to whole chunks: the rate is taken between the first and the last
        # time the count moved.
        $self = Get-Process -Id $PID
        $startCpu = $self.TotalProcessorTime
        $clock = [Diagnostics.Stopwatch]::StartNew()
        $last = $p.Outputs[0].Metrics['proc_records']
        $first = $null
        while ($clock.Elapsed.TotalSeconds -lt $Seconds) {
            Start-Sleep -Milliseconds 5
            $now = $p.Outputs[0].Metrics['proc_records']
            if ($now -eq $last) { continue }
            if ($null -eq $first) { $first = @{ Records = $now; Seconds = $clock.Elapsed.TotalSeconds } }
            $latest = @{ Records = $now; Seconds = $clock.Elapsed.TotalSeconds }
            $last = $now
        }
        $elapsed = $clock.Elapsed.TotalSeconds
        $self.Refresh()
        $cores = ($self.TotalProcessorTime - $startCpu).TotalSeconds / $elapsed
        $records = if ($first -and $latest.Seconds -gt $first.Seconds) { $latest.Records - $first.Records } else { 0 }
        $elapsed = if ($first -and $latest.Seconds -gt $first.Seconds) { $latest.Seconds - $first.Seconds } else { $elapsed }
    }
    finally {
        Stop-AgentPipeline $p
    }
    $rate = $records / $elapsed
    [pscustomobject]@{
        Filter          = $Label
        'Records/s'     = [math]::Round($rate)
        'µs per record' = if ($Filter -and $rate -gt 0) { [math]::Round(1e6 / $rate, 2) } else { $null }
        Cores           = [math]::Round($cores, 2)
    }
}

Write-Host "dummy (rate 1000, copies 1000) -> [filter] -> null, $Seconds s each, $([Environment]::ProcessorCount) cores"
$results = @(
    Measure-Pipeline 'none'
    Measure-Pipeline '{ $true }' { $true }
    Measure-Pipeline '{ $_ }' { $_ }
)
$results | Format-Table -AutoSize | Out-String -Width 200 | Write-Host
$without = $results[0].'Records/s'
foreach ($r in $results | Select-Object -Skip 1) {
    '{0}: {1:N0} records/s with the filter, {2:N0} without ({3:P0})' -f $r.Filter, $r.'Records/s', $without, ($r.'Records/s' / $without)
}

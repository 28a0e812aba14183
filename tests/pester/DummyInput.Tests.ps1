BeforeAll { . (Join-Path $PSScriptRoot 'common.ps1') }

Describe 'The dummy input' {
    AfterAll { Stop-TestPipeline 'pester-dummy*' }

    It 'stamps every copy of a tick on its own, so records keep their order in time (as Fluent Bit)' {
        $p = Start-AgentPipeline -Name (New-TestName 'pester-dummy') -Service @{ Flush = 0.1 } `
            -Input @{ Name = 'dummy'; Samples = 1; Copies = 5000; flush_on_startup = $true } `
            -Output @{ Name = 'powershell'; buffer_records = 10000 }
        Wait-Until { (Get-Metric $p 'powershell.0' 'proc_records') -eq 5000 } -Because '5000 records'
        Stop-AgentPipeline $p

        $records = @(Receive-AgentRecord $p)
        $records.Count | Should -Be 5000
        $keys = $records | ForEach-Object { [long]$_.Timestamp.ToUnixTimeSeconds() * [long]1000000000 + [long]$_.TimestampNanoseconds }
        $backwards = 0
        for ($i = 1; $i -lt $keys.Count; $i++) { if ($keys[$i] -lt $keys[$i - 1]) { $backwards++ } }
        $backwards | Should -Be 0 -Because 'no record is older than the one before it'
        ([System.Collections.Generic.HashSet[long]]::new([long[]]$keys)).Count | Should -BeGreaterThan 1 -Because 'one tick of 5000 copies is not one instant'
    }
}

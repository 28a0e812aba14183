BeforeAll { . (Join-Path $PSScriptRoot 'common.ps1') }

Describe 'Go input plugins' {
    BeforeAll {
        $script:Prefix = New-TestName 'goin'
        $script:Timestamps = Get-TestPlugin 'in_timestamps'
    }

    AfterEach { Stop-TestPipeline "$script:Prefix*" }

    It 'Import-AgentPlugin and Get-AgentPlugin show them as inputs' {
        $info = Import-AgentPlugin (Get-TestPlugin 'in_records')
        $info.Name | Should -BeExactly 'records'
        $info.Type | Should -BeExactly 'Input'
        (Get-AgentPlugin -Name records).Type | Should -BeExactly 'Input'
        @(Get-AgentPlugin -Type Output | Where-Object Name -eq 'records').Count | Should -Be 0
    }

    It '-Input completes their names and -Output does not offer them' {
        $null = Import-AgentPlugin $script:Timestamps
        $line = 'Start-AgentPipeline -Input timest'
        @((TabExpansion2 -inputScript $line -cursorColumn $line.Length).CompletionMatches.CompletionText) | Should -Be @('timestamps')
        $line = 'Start-AgentPipeline -Input dummy -Output timest'
        @((TabExpansion2 -inputScript $line -cursorColumn $line.Length).CompletionMatches.CompletionText) | Should -Not -Contain 'timestamps'
    }

    It 'Start-AgentPipeline -PluginPath in_timestamps.so -Input timestamps -Output powershell delivers its records with their own times' {
        $p = Start-AgentPipeline -Name (New-TestName $script:Prefix) -PluginPath $script:Timestamps `
            -Input @{ Name = 'timestamps'; label = 'pester'; base_sec = 1700000000; interval_nsec = 100000000; Tag = 'go.ts' } `
            -Output powershell -Service @{ Flush = 0.05 }
        Wait-Until { (Get-Metric $p 'powershell.0' 'proc_records') -ge 4 } -Because 'two callbacks reach the powershell output'
        Stop-AgentPipeline $p

        $records = @(Receive-AgentRecord $p)
        $records.Count | Should -Be (Get-Metric $p 'timestamps.0' 'records')
        ($records.Count % 2) | Should -Be 0
        for ($i = 0; $i -lt $records.Count; $i += 2) {
            $call = $i / 2 + 1
            $first, $second = $records[$i], $records[$i + 1]
            $first.call | Should -Be $call
            $first.kind | Should -BeExactly 'eventtime'
            $first.label | Should -BeExactly 'pester'
            $first.Tag | Should -BeExactly 'go.ts'
            $first.Timestamp | Should -Be ([DateTimeOffset]::FromUnixTimeSeconds(1700000000 + 10 * $call).AddMilliseconds(250))
            $first.TimestampNanoseconds | Should -Be 250000000
            $first.Metadata.origin | Should -BeExactly 'plugin'
            $second.call | Should -Be $call
            $second.kind | Should -BeExactly 'seconds'
            $second.Timestamp | Should -Be ([DateTimeOffset]::FromUnixTimeSeconds(1700000000 + 10 * $call + 5))
            $second.TimestampNanoseconds | Should -Be 0
        }
    }
    It 'a Go input that panics runs in a plugin host: the session lives, its records arrive and it starts again' {
        $crash = Get-TestPlugin 'in_crash'
        $info = Import-AgentPlugin $crash
        $info.Isolation | Should -BeExactly 'Process'
        $p = Start-AgentPipeline -Name (New-TestName $script:Prefix) -PluginPath $crash `
            -Input @{ Name = 'crash'; records = 2; crash_after = 3; interval_nsec = 50000000 } `
            -Output powershell -Service @{ Flush = 0.05 }
        # Each host run returns seq 1..6 and panics in its 4th callback; 8 records mean a restarted host delivered too.
        Wait-Until { (Get-Metric $p 'powershell.0' 'proc_records') -ge 8 } -Because 'records from before and after the panic arrive'
        Stop-AgentPipeline $p

        (Get-AgentPlugin -Name crash).LoadedInProcess | Should -BeFalse
        $records = @(Receive-AgentRecord $p)
        $records.Count | Should -Be (Get-Metric $p 'crash.0' 'records')
        @($records[0..7].seq) | Should -Be @(1, 2, 3, 4, 5, 6, 1, 2)
    }
}

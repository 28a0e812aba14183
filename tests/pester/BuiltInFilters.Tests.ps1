BeforeAll { . (Join-Path $PSScriptRoot 'common.ps1') }

Describe 'Built-in filters from a classic configuration file' {
    BeforeAll { $script:Prefix = New-TestName 'filters' }

    AfterEach { Stop-TestPipeline "$script:Prefix*" }

    It 'applies repeated record_modifier and modify keys to the records the powershell output receives' {
        $config = Join-Path $TestDrive 'filters.conf'
        @(
            '[SERVICE]'
            '    Flush 0.05'
            '[INPUT]'
            '    Name    dummy'
            '    Tag     app.web'
            '    Dummy   {"log":"GET /index.html","lvl":"info","secret":"s3cr3t","token":"t"}'
            '    Samples 2'
            '    Rate    20'
            '[FILTER]'
            '    Name       record_modifier'
            '    Match      app.*'
            '    Record     hostname web-01'
            '    Record     env prod'
            '    Remove_key secret'
            '    Remove_key token'
            '[FILTER]'
            '    Name      modify'
            '    Match     app.*'
            '    Condition Key_value_equals lvl info'
            '    Rename    log message'
            '    Rename    lvl level'
            '    Add       source dummy'
            '[OUTPUT]'
            '    Name  powershell'
            '    Match *'
        ) | Set-Content -LiteralPath $config

        $p = Start-AgentPipeline $config -Name (New-TestName $script:Prefix)
        Wait-Until { (Get-Metric $p 'powershell.0' 'proc_records') -eq 2 } -Because 'two records reach the powershell output'
        $records = @(Receive-AgentRecord $p)

        $records.Count | Should -Be 2
        foreach ($r in $records) {
            @($r.PSObject.Properties.Name | Select-Object -First 5) | Should -Be @('message', 'level', 'hostname', 'env', 'source')
            $r.message | Should -BeExactly 'GET /index.html'
            $r.level | Should -BeExactly 'info'
            $r.hostname | Should -BeExactly 'web-01'
            $r.env | Should -BeExactly 'prod'
            $r.source | Should -BeExactly 'dummy'
            $r.Tag | Should -BeExactly 'app.web'
        }
    }

    It 'takes an array for a repeatable key in a -Filter hashtable and rejects one for a single-value key' {
        $p = Start-AgentPipeline -Name (New-TestName $script:Prefix) -Service @{ Flush = 0.05 } `
            -Input @{ Name = 'dummy'; Dummy = '{"a":1}'; Samples = 1; Rate = 20 } `
            -Filter @{ Name = 'record_modifier'; Match = '*'; Record = 'b 2', 'c 3' } -Output powershell
        Wait-Until { (Get-Metric $p 'powershell.0' 'proc_records') -eq 1 } -Because 'the record reaches the output'
        $r = Receive-AgentRecord $p
        $r.b | Should -BeExactly '2'
        $r.c | Should -BeExactly '3'

        { New-AgentPipeline -Name (New-TestName $script:Prefix) -Input dummy -Output null `
            -Filter @{ Name = 'record_modifier'; Match = '*'; Uuid_key = 'a', 'b' } } |
            Should -Throw "*property 'uuid_key' is given 2 times*"
    }
}

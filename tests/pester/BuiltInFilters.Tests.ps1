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

Describe 'nest, rewrite_tag and throttle together in a tail pipeline' {
    BeforeAll { $script:Prefix = New-TestName 'nestrt' }

    AfterEach { Stop-TestPipeline "$script:Prefix*" }

    It 'nests and lifts keys, re-tags alerts from a captured group and a lifted key, and throttles one re-emitted tag' {
        # Ten JSON lines; levels error/warn become alerts, and alert.error.prod.log is throttled to 3.
        $lines = @(
            @(1, 'error', 'prod'), @(2, 'info', 'prod'), @(3, 'error', 'prod'), @(4, 'warn', 'dev'), @(5, 'error', 'prod'),
            @(6, 'error', 'dev'), @(7, 'info', 'dev'), @(8, 'warn', 'prod'), @(9, 'error', 'prod'), @(10, 'error', 'prod')
        ) | ForEach-Object {
            '{{"user_id":{0},"level":"{1}","user_name":"u{0}","kube":{{"ns":"{2}","pod":"p{0}"}},"session":"s{0}","msg":"m{0}"}}' -f $_[0], $_[1], $_[2]
        }
        $log = Join-Path $TestDrive 'app.log'
        [IO.File]::WriteAllText($log, ($lines -join "`n") + "`n")
        $parsers = Join-Path $TestDrive 'parsers.conf'
        @('[PARSER]', '    Name   plainjson', '    Format json') | Set-Content -LiteralPath $parsers
        $config = Join-Path $TestDrive 'nest-rewrite.conf'
        @(
            '[SERVICE]'
            '    Flush        0.1'
            "    Parsers_File $parsers"
            '[INPUT]'
            '    Name           tail'
            "    Path           $log"
            '    Tag            app.log'
            '    Read_from_Head on'
            '    Parser         plainjson'
            '[FILTER]'
            '    Name          nest'
            '    Match         app.*'
            '    Operation     nest'
            '    Wildcard      user_*'
            '    Wildcard      session'
            '    Nest_under    user'
            '    Remove_prefix user_'
            '[FILTER]'
            '    Name         nest'
            '    Match        app.*'
            '    Operation    lift'
            '    Nested_under kube'
            '    Add_prefix   k8s_'
            '[FILTER]'
            '    Name  rewrite_tag'
            '    Match app.*'
            '    Rule  $level ^(error|warn)$ alert.$1.$k8s_ns.$TAG[1] false'
            '[FILTER]'
            '    Name     throttle'
            '    Match    alert.error.prod.log'
            '    Rate     1'
            '    Window   3'
            '    Interval 1h'
            '[OUTPUT]'
            '    Name  powershell'
            '    Match *'
        ) | Set-Content -LiteralPath $config

        $p = Start-AgentPipeline $config -Name (New-TestName $script:Prefix)
        Wait-Until { (Get-Metric $p 'tail.0' 'records') -eq 10 -and (Get-Metric $p 'powershell.0' 'proc_records') -eq 8 } -Because 'ten lines are read and eight records reach the output'
        $p | Stop-AgentPipeline
        (Get-Metric $p 'powershell.0' 'proc_records') | Should -Be 8 -Because 'the throttle drops the fourth and fifth alert.error.prod.log records'
        $records = @(Receive-AgentRecord $p)
        $records.Count | Should -Be 8

        # The tag each record id should arrive with (ids 9 and 10 are throttled).
        $expected = @('alert.error.prod.log', 'app.log', 'alert.error.prod.log', 'alert.warn.dev.log',
            'alert.error.prod.log', 'alert.error.dev.log', 'app.log', 'alert.warn.prod.log')
        @($records | ForEach-Object { [int]$_.user.id } | Sort-Object) | Should -Be @(1..8)
        foreach ($r in $records) {
            $id = [int]$r.user.id
            $r.Tag | Should -BeExactly $expected[$id - 1] -Because "record $id"
            # nest: the moved keys go last, under user, without their prefix; lift: the kube pairs go last, prefixed.
            @($r.PSObject.Properties.Name | Select-Object -First 5) | Should -Be @('level', 'msg', 'user', 'k8s_ns', 'k8s_pod') -Because "record $id"
            @($r.user.PSObject.Properties.Name) | Should -Be @('id', 'name', 'session') -Because "record $id"
            $r.user.name | Should -BeExactly "u$id"
            $r.user.session | Should -BeExactly "s$id"
            $r.msg | Should -BeExactly "m$id"
            $r.k8s_pod | Should -BeExactly "p$id"
        }
        @($records | Where-Object Tag -EQ 'alert.error.prod.log' | ForEach-Object { [int]$_.user.id }) | Should -Be @(1, 3, 5)
    }
}

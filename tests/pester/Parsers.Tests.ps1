BeforeAll { . (Join-Path $PSScriptRoot 'common.ps1') }

Describe 'Parsers_File and the parser filter' {
    BeforeAll {
        $script:Prefix = New-TestName 'parsers'
        # The same entries as Fluent Bit's conf/parsers.conf (apache2) and a typed regex parser.
        $script:ParsersConf = Join-Path $TestDrive 'conf' 'parsers.conf'
        New-Item -ItemType Directory -Path (Split-Path $script:ParsersConf) -Force | Out-Null
        @(
            '[PARSER]'
            '    Name   apache2'
            '    Format regex'
            '    Regex  ^(?<host>[^ ]*) [^ ]* (?<user>[^ ]*) \[(?<time>[^\]]*)\] "(?<method>\S+)(?: +(?<path>[^ ]*) +\S*)?" (?<code>[^ ]*) (?<size>[^ ]*)(?: "(?<referer>[^\"]*)" "(?<agent>.*)")?$'
            '    Time_Key time'
            '    Time_Format %d/%b/%Y:%H:%M:%S %z'
            '    Types  code:integer size:integer'
            ''
            '[PARSER]'
            '    Name   kv'
            '    Format logfmt'
        ) | Set-Content -LiteralPath $script:ParsersConf
    }

    AfterEach { Stop-TestPipeline "$script:Prefix*" }

    It 'parses a field with the parser of a Parsers_File relative to the classic file, with its time and types' {
        $config = Join-Path $TestDrive 'conf' 'main.conf'
        @(
            '[SERVICE]'
            '    Flush        0.05'
            '    Parsers_File parsers.conf'
            '[INPUT]'
            '    Name    dummy'
            '    Tag     web'
            '    Dummy   {"log":"192.168.0.1 - frank [10/Oct/2000:13:55:36 -0700] \"GET /a.gif HTTP/1.0\" 200 2326","pod":"p1"}'
            '    Samples 2'
            '    Rate    20'
            '[FILTER]'
            '    Name         parser'
            '    Match        *'
            '    Key_Name     log'
            '    Parser       kv_missing_is_not_tried_first'
            '    Reserve_Data on'
        ) | Set-Content -LiteralPath $config
        # An unknown parser name is refused with the file and line, before anything runs.
        $findings = @(Test-AgentConfig -Path $config -Detailed | Where-Object Code -eq 'unknown-parser')
        $findings.Count | Should -Be 1
        $findings[0].Line | Should -Be 14
        $findings[0].Message | Should -BeLike "*'kv_missing_is_not_tried_first' is not a defined parser (defined: apache2, kv)*"

        (Get-Content -LiteralPath $config) -replace 'kv_missing_is_not_tried_first', 'apache2' | Set-Content -LiteralPath $config
        Add-Content -LiteralPath $config -Value @('[OUTPUT]', '    Name  powershell', '    Match *')
        Test-AgentConfig -Path $config | Should -BeTrue

        $p = Start-AgentPipeline $config -Name (New-TestName $script:Prefix)
        Wait-Until { (Get-Metric $p 'powershell.0' 'proc_records') -eq 2 } -Because 'two records reach the powershell output'
        $records = @(Receive-AgentRecord $p)
        $records.Count | Should -Be 2
        foreach ($r in $records) {
            @($r.PSObject.Properties.Name | Select-Object -First 7) | Should -Be @('host', 'user', 'method', 'path', 'code', 'size', 'pod')
            $r.host | Should -BeExactly '192.168.0.1'
            $r.code | Should -Be 200
            $r.code | Should -BeOfType [long]
            $r.size | Should -Be 2326
            $r.pod | Should -BeExactly 'p1'
            $r.PSObject.Properties.Name | Should -Not -Contain 'log'
            $r.Timestamp.ToUnixTimeSeconds() | Should -Be 971211336
        }
    }

    It 'takes Parsers_File from -Service, relative to the current location' {
        Push-Location (Split-Path $script:ParsersConf)
        try {
            $p = Start-AgentPipeline -Name (New-TestName $script:Prefix) -Service @{ Flush = 0.05; Parsers_File = 'parsers.conf' } `
                -Input @{ Name = 'dummy'; Dummy = '{"log":"a=1 b=\"x y\""}'; Samples = 1; Rate = 20 } `
                -Filter @{ Name = 'parser'; Match = '*'; Key_Name = 'log'; Parser = 'apache2', 'kv' } -Output powershell
        }
        finally {
            Pop-Location
        }
        Wait-Until { (Get-Metric $p 'powershell.0' 'proc_records') -eq 1 } -Because 'the record reaches the output'
        $r = Receive-AgentRecord $p
        $r.a | Should -BeExactly '1'
        $r.b | Should -BeExactly 'x y'
    }

    It 'reports a bad parser with its file and line' {
        $bad = Join-Path $TestDrive 'bad-parsers.conf'
        @('[PARSER]', '    Name   broken', '    Format regex', '    Regex  (?<a>\X)') | Set-Content -LiteralPath $bad
        $config = Join-Path $TestDrive 'bad.conf'
        @('[SERVICE]', "    Parsers_File $bad", '[INPUT]', '    Name dummy', '[OUTPUT]', '    Name null', '    Match *') | Set-Content -LiteralPath $config
        $finding = @(Test-AgentConfig -Path $config -Detailed | Where-Object Code -eq 'bad-parser')
        $finding.Count | Should -Be 1
        $finding[0].Severity | Should -Be 'Error'
        $finding[0].File | Should -Be $bad
        $finding[0].Line | Should -Be 4
        $finding[0].Message | Should -BeLike '*`[parser:broken`]*\X (extended grapheme cluster)*'
    }

    It 'lists the parser filter' {
        (Get-AgentPlugin -Type Filter).Name | Should -Contain 'parser'
    }
}

BeforeAll {
    . (Join-Path $PSScriptRoot 'common.ps1')
    $script:Logrotate = (Get-Command logrotate -ErrorAction SilentlyContinue).Source
    if (-not $script:Logrotate -and (Test-Path /usr/sbin/logrotate)) { $script:Logrotate = '/usr/sbin/logrotate' }

    function Add-Line([string] $Path, [string] $Prefix, [int] $First, [int] $Last) {
        $text = -join ($First..$Last | ForEach-Object { "$Prefix-$_`n" })
        [IO.File]::AppendAllText($Path, $text)
    }

    function Start-Tail([string] $Name, [hashtable] $Tail) {
        Start-AgentPipeline -Name $Name -Service @{ Flush = 0.1; Grace = 10 } -Input (@{ Name = 'tail' } + $Tail) -Output powershell
    }

    # Runs logrotate once, forced, with its own state file; fails the test on a non-zero exit.
    function Invoke-Logrotate([string] $Directory, [string] $Log, [string] $Method) {
        $conf = Join-Path $Directory 'logrotate.conf'
        @("$Log {", '    rotate 5', "    $Method", '    missingok', '    nocompress', '}') | Set-Content -LiteralPath $conf
        $output = & $script:Logrotate -f -s (Join-Path $Directory 'logrotate.state') $conf 2>&1
        if ($LASTEXITCODE -ne 0) { throw "logrotate failed ($LASTEXITCODE): $output" }
    }

    function Wait-Records($Pipeline, [int] $Count) {
        Wait-Until { (Get-Metric $Pipeline 'powershell.0' 'proc_records') -ge $Count } -TimeoutSeconds 90 -Because "$Count records"
        @(Receive-AgentRecord $Pipeline)
    }
}

Describe 'tail input' {
    BeforeAll { $script:Prefix = New-TestName 'tail' }
    AfterEach { Stop-TestPipeline "$script:Prefix*" }

    It 'is found by Get-AgentPlugin with its keys' {
        $plugin = Get-AgentPlugin -Name tail
        $plugin.Type | Should -BeExactly 'Input'
        $plugin.Description | Should -BeExactly 'Tail files'
    }

    It 'adds Path_Key and Offset_Key and expands * in the tag' {
        $log = Join-Path $TestDrive 'app.log'
        [IO.File]::WriteAllText($log, "one`ntwo`n")
        $p = Start-Tail (New-TestName $script:Prefix) @{ Path = $log; Read_from_Head = 'on'; Path_Key = 'file'; Offset_Key = 'offset'; Tag = 'logs.*' }
        $records = Wait-Records $p 2
        $records.log | Should -Be @('one', 'two')
        $records.file | Should -Be @($log, $log)
        $records.offset | Should -Be @(0, 4)
        $expected = 'logs.' + ($log.TrimStart('/') -replace '/', '.')
        $records.Tag | Should -Be @($expected, $expected)
    }

    It 'tags each file from Tag_Regex captures and stops the pipeline by itself with Exit_On_Eof' {
        $dir = Join-Path $TestDrive 'containers'
        New-Item -ItemType Directory $dir | Out-Null
        [IO.File]::WriteAllText((Join-Path $dir 'web-1_prod_nginx.log'), "a1`na2`n")
        [IO.File]::WriteAllText((Join-Path $dir 'db-0_dev_pg.log'), "b1`n")
        $pipelineName = New-TestName $script:Prefix
        $p = Start-Tail $pipelineName @{
            Path = (Join-Path $dir '*.log'); Read_from_Head = 'on'; Exit_On_Eof = 'on'
            Tag = 'kube.<namespace>.<pod>.<container>'; Tag_Regex = '(?<pod>[^_/]+)_(?<namespace>[^_]+)_(?<container>[^.]+)\.log$'
        }
        Wait-Until { (Get-AgentPipeline -Name $pipelineName).State -eq 'Stopped' } -Because 'the pipeline stops once both files are read to their end'
        $records = @(Receive-AgentRecord $p)
        $records.Count | Should -Be 3
        @($records | Where-Object Tag -EQ 'kube.prod.web-1.nginx').log | Should -Be @('a1', 'a2')
        @($records | Where-Object Tag -EQ 'kube.dev.db-0.pg').log | Should -Be @('b1')
    }

    It 'delivers every line once through logrotate <Method>, a stop and a restart on the same DB' -ForEach @(
        @{ Method = 'create' }
        @{ Method = 'copytruncate' }
    ) {
        if (-not $script:Logrotate) { throw 'logrotate is missing: run tests/install-prerequisites.sh' }
        $dir = Join-Path $TestDrive $Method
        New-Item -ItemType Directory $dir | Out-Null
        $log = Join-Path $dir 'app.log'
        $db = Join-Path $dir 'tail.db'
        [IO.File]::WriteAllText($log, '')
        $settings = @{ Path = $log; DB = $db; Rotate_Wait = 2; Refresh_Interval = 1 }

        $p = Start-Tail (New-TestName $script:Prefix) $settings
        Wait-Until { (Get-Metric $p 'tail.0' 'records') -ge 0 -and (Test-Path $db) } -Because 'the DB is created'
        Add-Line $log 'a' 1 200
        $first = @(Wait-Records $p 200)
        Invoke-Logrotate $dir $log $Method
        if ($Method -eq 'create') {
            Test-Path "$log.1" | Should -BeTrue
            Add-Line "$log.1" 'a' 201 250   # the writer still has the renamed file open
        }
        else {
            (Get-Item $log).Length | Should -Be 0
            Add-Line $log 'a' 201 250
        }
        Add-Line $log 'a' 251 400
        $first += @(Wait-Records $p 400)
        Stop-AgentPipeline $p
        $first.log | Should -Be @(1..400 | ForEach-Object { "a-$_" })

        Add-Line $log 'a' 401 500           # written while the agent is down
        $p2 = Start-Tail (New-TestName $script:Prefix) $settings
        $second = @(Wait-Records $p2 100)
        Add-Line $log 'a' 501 520
        $second += @(Wait-Records $p2 120)
        $second.log | Should -Be @(401..520 | ForEach-Object { "a-$_" })
        Stop-AgentPipeline $p2
        (Get-Metric $p2 'tail.0' 'records') | Should -Be 120

        # The DB is plain SQLite in Fluent Bit's schema: the sqlite3 tool reads it.
        $row = & sqlite3 $db 'SELECT name, offset, inode FROM in_tail_files;'
        $LASTEXITCODE | Should -Be 0
        $row | Should -BeExactly "$log|$((Get-Item $log).Length)|$((& stat -c %i $log))"
    }
}

Describe 'relative paths in settings' {
    It 'mean the PowerShell location, not the process''s directory: tail Path and DB, the file output''s Path, storage.path' {
        $dir = Join-Path ([IO.Path]::GetTempPath()) (New-TestName 'relpaths')
        New-Item -ItemType Directory -Path (Join-Path $dir 'logs') -Force | Out-Null
        'one', 'two' | Set-Content (Join-Path $dir 'logs/app.log')
        [Environment]::CurrentDirectory | Should -Not -Be $dir -Because 'the test is about a location the process is not in'
        Push-Location $dir
        try {
            $p = Start-AgentPipeline -Name (New-TestName 'relpaths') -Service @{ Flush = 0.1; 'storage.path' = './buffer' } `
                -Input @{ Name = 'tail'; Path = './logs/*.log'; Read_from_Head = 'on'; DB = 'tail.db'; 'storage.type' = 'filesystem' } `
                -Output @{ Name = 'file'; Path = 'out'; Mkdir = 'on'; File = 'lines.txt'; Format = 'plain' }
            Wait-Until { (Test-Path (Join-Path $dir 'out/lines.txt')) -and @(Get-Content (Join-Path $dir 'out/lines.txt')).Count -ge 2 } -TimeoutSeconds 60 -Because 'both lines in ./out/lines.txt'
            Stop-AgentPipeline $p
            (Get-Content (Join-Path $dir 'out/lines.txt')) | Should -Be @('{"log":"one"}', '{"log":"two"}')
            Test-Path (Join-Path $dir 'tail.db') | Should -BeTrue
            Test-Path (Join-Path $dir 'buffer') | Should -BeTrue
        }
        finally {
            Pop-Location
            Remove-Item $dir -Recurse -Force -ErrorAction SilentlyContinue
        }
    }
}

Describe 'tail input with parsers from a configuration file' {
    BeforeAll { $script:Prefix = New-TestName 'tailcfg' }
    AfterEach { Stop-TestPipeline "$script:Prefix*" }

    It 'parses lines with a Parsers_File json parser and joins docker partial lines' {
        $json = Join-Path $TestDrive 'app.json.log'
        $docker = Join-Path $TestDrive 'container.log'
        [IO.File]::WriteAllText($json, "{`"time`":`"2026-01-02T03:04:05`",`"msg`":`"hi`"}`nplain text`n")
        [IO.File]::WriteAllText($docker, "{`"log`":`"one `",`"stream`":`"stdout`",`"time`":`"2026-01-02T03:04:05.1Z`"}`n{`"log`":`"two\n`",`"stream`":`"stdout`",`"time`":`"2026-01-02T03:04:05.2Z`"}`n")
        $parsers = Join-Path $TestDrive 'parsers.conf'
        @('[PARSER]', '    Name        myjson', '    Format      json', '    Time_Key    time', '    Time_Format %Y-%m-%dT%H:%M:%S') | Set-Content -LiteralPath $parsers
        $config = Join-Path $TestDrive 'tail.conf'
        @(
            '[SERVICE]'
            '    Flush        0.1'
            "    Parsers_File $parsers"
            '[INPUT]'
            '    Name           tail'
            "    Path           $json"
            '    Tag            json'
            '    Read_from_Head on'
            '    Parser         myjson'
            '[INPUT]'
            '    Name             tail'
            "    Path             $docker"
            '    Tag              docker'
            '    Read_from_Head   on'
            '    multiline.parser docker'
            '[OUTPUT]'
            '    Name  powershell'
            '    Match *'
        ) | Set-Content -LiteralPath $config
        $p = Start-AgentPipeline $config -Name (New-TestName $script:Prefix)
        Wait-Until { (Get-Metric $p 'powershell.0' 'proc_records') -ge 3 } -Because 'three records'
        $records = @(Receive-AgentRecord $p)
        $parsed = @($records | Where-Object Tag -EQ 'json')
        $parsed[0].msg | Should -BeExactly 'hi'
        $parsed[1].log | Should -BeExactly 'plain text'
        @($records | Where-Object Tag -EQ 'docker').log | Should -Be @("one two`n")
    }

    It 'joins Docker split lines with Docker_Mode, parses the joined line and flushes a pending one after Docker_Mode_Flush' {
        $docker = Join-Path $TestDrive 'docker.log'
        $lines = @(
            '{"log":"one ","stream":"stdout","time":"2026-01-02T03:04:05.1Z"}'
            '{"log":"two\n","stream":"stdout","time":"2026-01-02T03:04:05.2Z"}'
            'plain'
            '{"log":"pending ","stream":"stderr","time":"2026-01-02T03:04:06.3Z"}'
        )
        [IO.File]::WriteAllText($docker, ($lines -join "`n") + "`n")
        $parsers = Join-Path $TestDrive 'docker-parsers.conf'
        @('[PARSER]', '    Name        djson', '    Format      json', '    Time_Key    time', '    Time_Format %Y-%m-%dT%H:%M:%S.%L', '    Time_Keep   On') | Set-Content -LiteralPath $parsers
        $config = Join-Path $TestDrive 'docker.conf'
        @(
            '[SERVICE]'
            '    Flush        0.1'
            "    Parsers_File $parsers"
            '[INPUT]'
            '    Name              tail'
            "    Path              $docker"
            '    Read_from_Head    on'
            '    Docker_Mode       on'
            '    Docker_Mode_Flush 1'
            '    Parser            djson'
            '[OUTPUT]'
            '    Name  powershell'
            '    Match *'
        ) | Set-Content -LiteralPath $config
        $p = Start-AgentPipeline $config -Name (New-TestName $script:Prefix)
        # The last line has no newline in its log: only the flush timeout sends it.
        Wait-Until { (Get-Metric $p 'powershell.0' 'proc_records') -ge 3 } -TimeoutSeconds 60 -Because 'three records'
        $records = @(Receive-AgentRecord $p)
        $records.log | Should -Be @("one two`n", 'plain', 'pending ')
        $records[0].stream | Should -BeExactly 'stdout'
        $records[2].stream | Should -BeExactly 'stderr'
        $records[0].Timestamp | Should -Be ([DateTimeOffset]::new(2026, 1, 2, 3, 4, 5, 200, [TimeSpan]::Zero))
    }
}

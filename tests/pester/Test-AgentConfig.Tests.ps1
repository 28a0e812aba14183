BeforeAll {
    . (Join-Path $PSScriptRoot 'common.ps1')

    function New-ConfigFile([string] $Name, [string] $Text) {
        $path = Join-Path $TestDrive $Name
        Set-Content -Path $path -Value $Text -NoNewline
        $path
    }
}

Describe 'Test-AgentConfig' {
    It 'returns $true for a valid classic file and writes no error' {
        $path = New-ConfigFile 'ok.conf' "[SERVICE]`n    flush 1`n[INPUT]`n    name dummy`n[OUTPUT]`n    name null`n    match *`n"
        $errorsBefore = $Error.Count
        Test-AgentConfig -Path $path | Should -BeTrue
        $Error.Count | Should -Be $errorsBefore
    }

    It 'returns $false for an invalid file, writes no error, and -Detailed lists every finding with its line' {
        $path = New-ConfigFile 'bad.conf' "[INPUT]`n    name dummy`n    rate fast`n   tag x`n[OUTPUT`n    name null`n"
        $errorsBefore = $Error.Count
        Test-AgentConfig -Path $path | Should -BeFalse
        $Error.Count | Should -Be $errorsBefore

        $findings = Test-AgentConfig -Path $path -Detailed
        $findings | Where-Object Code -eq 'indent-mismatch' | Select-Object -ExpandProperty Line | Should -Be 4
        $findings | Where-Object Code -eq 'bad-header' | Select-Object -ExpandProperty Line | Should -Be 5
        $findings | ForEach-Object { $_.File } | Sort-Object -Unique | Should -Be $path
        $findings | ForEach-Object { $_.PSObject.Properties.Name } | Should -Contain 'Severity'
    }

    It 'reports unknown properties with the key and the allowed list' {
        $path = New-ConfigFile 'prop.conf' "[INPUT]`n    name dummy`n    colour red`n[OUTPUT]`n    name null`n    match *`n"
        $finding = Test-AgentConfig -Path $path -Detailed | Where-Object Code -eq 'unknown-property'
        $finding.Key | Should -Be 'colour'
        $finding.Line | Should -Be 3
        $finding.Section | Should -Be 'INPUT'
        $finding.Message | Should -Match 'allowed: dummy, metadata, rate'
    }

    It 'warns about routing that goes nowhere but still returns $true' {
        $path = New-ConfigFile 'route.conf' "[INPUT]`n    name dummy`n    tag app`n[OUTPUT]`n    name null`n    match other`n"
        Test-AgentConfig -Path $path | Should -BeTrue
        $codes = (Test-AgentConfig -Path $path -Detailed).Code
        $codes | Should -Contain 'output-matches-nothing'
        $codes | Should -Contain 'input-routes-nowhere'
    }

    It 'reports a missing file as a finding, not an error' {
        Test-AgentConfig -Path (Join-Path $TestDrive 'nope.conf') | Should -BeFalse
        (Test-AgentConfig -Path (Join-Path $TestDrive 'nope.conf') -Detailed).Code | Should -Be 'file-not-found'
    }

    It 'loads the Go plugins of plugins_file so their names are known' {
        New-ConfigFile 'plugins.conf' "[PLUGINS]`n    Path $(Get-TestPlugin out_counter)`n" | Out-Null
        $path = New-ConfigFile 'go.conf' "[SERVICE]`n    plugins_file plugins.conf`n[INPUT]`n    name dummy`n[OUTPUT]`n    name counter`n    anything goes`n"
        Test-AgentConfig -Path $path | Should -BeTrue
        Get-AgentPlugin counter | Should -Not -BeNullOrEmpty
    }

    It 'takes Go plugins from -PluginPath' {
        $path = New-ConfigFile 'pp.conf' "[INPUT]`n    name dummy`n[OUTPUT]`n    name multiinstance`n    id x`n"
        Test-AgentConfig -Path $path -PluginPath (Get-TestPlugin out_multiinstance) | Should -BeTrue
    }

    It '-ProbePlugins reports the keys a plugin reads and warns about reserved ones' {
        $path = New-ConfigFile 'probe.conf' "[PLUGINS]`n    Path $(Get-TestPlugin out_counter)`n[INPUT]`n    name dummy`n[OUTPUT]`n    name counter`n    id p`n    probe_reserved true`n    host example.org`n"
        $findings = Test-AgentConfig -Path $path -Detailed -ProbePlugins
        ($findings | Where-Object Code -eq 'plugin-keys-read').Message | Should -Match 'reads: .*host'
        $reserved = $findings | Where-Object Code -eq 'reserved-key-read'
        $reserved.Key | Should -Be 'host'
        $reserved.Line | Should -Be 9
        $reserved.Severity | Should -Be 'Warning'
        Test-AgentConfig -Path $path -ProbePlugins | Should -BeTrue
    }

    It '-ProbePlugins initialises Go inputs too: the keys they read, and an Init that refuses its settings at the input''s line' -ForEach @(
        @{ Isolation = 'none' }, @{ Isolation = 'process' }
    ) {
        $plugin = Get-TestPlugin in_records
        $path = New-ConfigFile "probe-in-$Isolation.conf" "[PLUGINS]`n    Path $plugin`n[INPUT]`n    name records`n    isolation $Isolation`n    records 3`n    shape v2`n[OUTPUT]`n    name null`n    match *`n"
        $findings = Test-AgentConfig -Path $path -Detailed -ProbePlugins
        $keys = $findings | Where-Object Code -eq 'plugin-keys-read'
        $keys.Section | Should -Be 'INPUT'
        $keys.Message | Should -Match "isolation $Isolation\) reads: records, shape"

        $bad = New-ConfigFile "probe-in-bad-$Isolation.conf" "[PLUGINS]`n    Path $plugin`n[INPUT]`n    name records`n    isolation $Isolation`n    records many`n[OUTPUT]`n    name null`n    match *`n"
        Test-AgentConfig -Path $bad | Should -BeTrue -Because 'without -ProbePlugins no plugin code runs'
        $failed = Test-AgentConfig -Path $bad -Detailed -ProbePlugins | Where-Object Code -eq 'plugin-init-failed'
        $failed.Line | Should -Be 3
        $failed.Message | Should -Match 'FLBPluginInit'
        Test-AgentConfig -Path $bad -ProbePlugins -WarningAction SilentlyContinue | Should -BeFalse
    }

    It 'checks YAML files with the same rules' {
        $path = New-ConfigFile 'p.yaml' "pipeline:`n  inputs:`n    - name: dummy`n      rate: fast`n  outputs:`n    - name: null`n      match: '*'`n"
        Test-AgentConfig -Path $path | Should -BeFalse
        $finding = Test-AgentConfig -Path $path -Detailed | Where-Object Key -eq 'rate'
        $finding.Code | Should -Be 'bad-value'
        $finding.Line | Should -Be 4
    }

    It 'takes paths from the pipeline' {
        $good = New-ConfigFile 'a.conf' "[INPUT]`n    name dummy`n[OUTPUT]`n    name null`n"
        $bad = New-ConfigFile 'b.conf' "[INPUT]`n    name nosuch`n[OUTPUT]`n    name null`n"
        Get-Item $good, $bad | Test-AgentConfig | Should -Be @($true, $false)
    }
}

Describe 'Running configuration files' {
    It 'runs the documented Go plugin example unchanged with Start-AgentPipeline -Path' {
        $records = Join-Path $TestDrive 'records.jsonl'
        New-ConfigFile 'plugins.conf' "[PLUGINS]`n    Path $(Get-TestPlugin out_counter)`n" | Out-Null
        $path = New-ConfigFile 'fluent-bit.conf' "[SERVICE]`n    Flush        1`n    Log_Level    info`n    plugins_file plugins.conf`n`n[INPUT]`n    Name   dummy`n    Rate   20`n    Samples 3`n`n[OUTPUT]`n    Name  counter`n    id    doc`n    path  $records`n"
        $p = Start-AgentPipeline -Path $path
        Wait-Until { @(Read-JsonLines $records | Where-Object { $_.record }).Count -eq 3 } -Because '3 records in the plugin'
        Stop-AgentPipeline $p
        $p.Name | Should -Be 'fluent-bit'
        (Read-JsonLines $records | Where-Object { $_.record } | Select-Object -First 1).record.message | Should -Be 'dummy'
    }

    It 'runs a YAML file with New-AgentPipeline -Path' {
        $path = New-ConfigFile 'p.yaml' "service:`n  flush: 0.2`npipeline:`n  inputs:`n    - name: dummy`n      samples: 2`n      rate: 20`n  outputs:`n    - name: null`n      match: '*'`n"
        $p = New-AgentPipeline -Path $path -Name yamlrun
        $p.State | Should -Be 'Created'
        $p.Name | Should -Be 'yamlrun'
        Start-AgentPipeline -Pipeline $p | Out-Null
        Wait-Until { $p.Outputs[0].Metrics.proc_records -eq 2 } -Because '2 records flushed'
        Stop-AgentPipeline $p
    }

    It 'refuses an invalid file with InvalidConfiguration carrying the findings, and starts nothing' {
        $path = New-ConfigFile 'broken.conf' "[INPUT]`n    name dummy`n    rate fast`n[OUTPUT]`n    name null`n"
        $before = @(Get-AgentPipeline).Count
        { Start-AgentPipeline -Path $path } | Should -Throw -ErrorId 'InvalidConfiguration,CoreAgent.Commands.StartAgentPipelineCommand'
        try { Start-AgentPipeline -Path $path } catch { $caught = $_ }
        $caught.TargetObject[0].Key | Should -Be 'rate'
        $caught.Exception.Message | Should -Match 'broken.conf:3'
        @(Get-AgentPipeline).Count | Should -Be $before
    }
}

Describe 'Typos and settings that do nothing' {
    It 'says which section an abbreviated header is read as, as Fluent Bit reads it' {
        $path = New-ConfigFile 'abbrev.conf' "[INPUT]`n    name dummy`n[OUTPU]`n    name null`n    match *`n[FILTERS]`n    name grep`n    match *`n    regex message x`n"
        Test-AgentConfig -Path $path -WarningAction SilentlyContinue | Should -BeTrue
        $findings = @(Test-AgentConfig -Path $path -Detailed | Where-Object Code -eq 'abbreviated-section')
        $findings.Line | Should -Be @(3, 6)
        $findings[0].Message | Should -BeLike '*`[OUTPU`] is read as `[OUTPUT`]*'
        $findings[1].Message | Should -BeLike '*`[FILTERS`] is read as `[FILTER`]*'
    }

    It 'suggests the section meant by an unknown header' {
        $path = New-ConfigFile 'typo.conf' "[INPUT]`n    name dummy`n[OUTPTU]`n    name null`n[OUTPUT]`n    name null`n    match *`n"
        $finding = Test-AgentConfig -Path $path -Detailed | Where-Object Code -eq 'unknown-section-ignored'
        $finding.Line | Should -Be 3
        $finding.Message | Should -BeLike '*did you mean `[OUTPUT`]?'
    }

    It 'suggests the key meant by an unknown property or service key' {
        $path = New-ConfigFile 'keys.conf' "[SERVICE]`n    flsh 1`n[INPUT]`n    name dummy`n    tagg x`n[OUTPUT]`n    name null`n    match *`n"
        $findings = Test-AgentConfig -Path $path -Detailed
        ($findings | Where-Object Code -eq 'unknown-property').Message | Should -BeLike "*unknown property 'tagg', did you mean 'tag'?*"
        ($findings | Where-Object Code -eq 'unknown-service-key').Message | Should -BeLike "*did you mean 'flush'?"
    }

    It 'warns about a setting that is accepted but has no effect, also when the file has errors' {
        $good = New-ConfigFile 'daemon.conf' "[SERVICE]`n    daemon on`n[INPUT]`n    name dummy`n[OUTPUT]`n    name null`n    match *`n"
        $finding = Test-AgentConfig -Path $good -Detailed | Where-Object Code -eq 'setting-has-no-effect'
        $finding.Line | Should -Be 2
        $finding.Key | Should -Be 'daemon'
        $bad = New-ConfigFile 'daemon-bad.conf' "[SERVICE]`n    daemon on`n[INPUT]`n    name dummy`n    colour red`n[OUTPUT]`n    name null`n    match *`n"
        (Test-AgentConfig -Path $bad -Detailed).Code | Should -Contain 'setting-has-no-effect'
    }

    It 'warns at start about a setting without effect given as -Service' {
        $pipeline = Start-AgentPipeline -Input dummy -Output null -Service @{ Daemon = 'on' } -WarningVariable warnings -WarningAction SilentlyContinue
        try { @($warnings | Where-Object { "$_" -like "*'daemon' has no effect*" }).Count | Should -Be 1 }
        finally { Stop-AgentPipeline $pipeline }
    }

    It 'checks a Format value: an error for file, a warning for stdout, which falls back as Fluent Bit does' {
        $path = New-ConfigFile 'format.conf' "[INPUT]`n    name dummy`n[OUTPUT]`n    name file`n    match *`n    format jsonlines`n[OUTPUT]`n    name stdout`n    match *`n    format jsonlines`n"
        $findings = Test-AgentConfig -Path $path -Detailed
        $fileError = $findings | Where-Object { $_.Severity -eq 'Error' -and $_.Key -eq 'format' }
        $fileError.Line | Should -Be 6
        $fileError.Message | Should -BeLike "*'jsonlines' is not a value of 'format'*"
        $fallback = $findings | Where-Object Code -eq 'value-falls-back'
        $fallback.Line | Should -Be 10
        $fallback.Message | Should -BeLike "*'msgpack' is used instead"
    }

    It 'gives the reason for False on the warning stream' {
        $missing = Join-Path $TestDrive 'missing.conf'
        Test-AgentConfig -Path $missing -WarningVariable warnings -WarningAction SilentlyContinue | Should -BeFalse
        "$warnings" | Should -BeLike "*missing.conf*does not exist*"
    }

    It 'passes a file with only [SERVICE], as fluent-bit --dry-run does, with warnings' {
        $path = New-ConfigFile 'service-only.conf' "[SERVICE]`n    flush 1`n"
        Test-AgentConfig -Path $path -WarningAction SilentlyContinue | Should -BeTrue
        $findings = Test-AgentConfig -Path $path -Detailed
        $findings.Code | Should -Be @('no-input', 'no-output')
        $findings.Severity | Sort-Object -Unique | Should -Be 'Warning'
    }
}

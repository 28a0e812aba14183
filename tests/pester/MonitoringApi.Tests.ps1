BeforeAll {
    . (Join-Path $PSScriptRoot 'common.ps1')

    # GET with the real curl: the status code and the body.
    function Invoke-Curl([int] $Port, [string] $Path) {
        $out = & curl -sS --max-time 30 -w '\n%{http_code}' "http://127.0.0.1:$Port$Path"
        if ($LASTEXITCODE -ne 0) { throw "curl $Path failed with exit code $LASTEXITCODE" }
        $lines = @($out)
        [pscustomobject]@{ Status = [int]$lines[-1]; Body = ($lines[0..($lines.Count - 2)] -join "`n") }
    }

    # One series of a Prometheus text: the value of the line 'name{labels} value [timestamp]'.
    function Get-Sample([string] $Text, [string] $Series) {
        $line = $Text -split "`n" | Where-Object { $_.StartsWith("$Series ") } | Select-Object -First 1
        if (-not $line) { return $null }
        [double]($line.Substring($Series.Length + 1) -split ' ')[0]
    }
}

Describe 'The monitoring API (HTTP_Server On) over HTTP' {
    BeforeAll {
        $script:Prefix = New-TestName 'http'
        $script:P = Start-AgentPipeline -Name "$script:Prefix-api" -Input @{ Name = 'dummy'; Rate = 20 } -Output null `
            -Service @{ Flush = 0.2; HTTP_Server = 'On'; HTTP_Port = 0; Health_Check = 'On' }
        $script:Port = $script:P.HttpPort
        Wait-Until { (Get-Metric $script:P 'null.0' 'proc_records') -gt 0 } -Because 'records to reach the output'
    }

    AfterAll { Stop-TestPipeline "$script:Prefix*" }

    It 'reports the port HTTP_Port 0 picked on the pipeline object' {
        $script:Port | Should -BeGreaterThan 0
        $script:Port | Should -Not -Be 2020
    }

    It 'answers / with the build information' {
        $r = Invoke-Curl $script:Port '/'
        $r.Status | Should -Be 200
        ($r.Body | ConvertFrom-Json).'fluent-bit'.version | Should -Match '^\d+\.\d+\.\d+'
    }

    It 'answers /api/v1/uptime with seconds that grow' {
        $first = (Invoke-Curl $script:Port '/api/v1/uptime').Body | ConvertFrom-Json
        $first.uptime_hr | Should -BeLike 'Fluent Bit has been running:  0 day, 0 hour, 0 minute and * second*'
        Wait-Until { ((Invoke-Curl $script:Port '/api/v1/uptime').Body | ConvertFrom-Json).uptime_sec -gt $first.uptime_sec } -Because 'uptime_sec to grow'
    }

    It 'answers /api/v1/metrics with counters that grow' {
        $first = (Invoke-Curl $script:Port '/api/v1/metrics').Body | ConvertFrom-Json
        $first.input.'dummy.0'.records | Should -BeGreaterThan 0
        $first.output.'null.0'.errors | Should -Be 0
        Wait-Until {
            $now = (Invoke-Curl $script:Port '/api/v1/metrics').Body | ConvertFrom-Json
            $now.input.'dummy.0'.records -gt $first.input.'dummy.0'.records -and $now.output.'null.0'.proc_records -gt $first.output.'null.0'.proc_records
        } -Because 'records and proc_records to grow'
    }

    It 'answers /api/v1/metrics/prometheus with Fluent Bit names, labels and timestamps' {
        $r = Invoke-Curl $script:Port '/api/v1/metrics/prometheus'
        $r.Status | Should -Be 200
        $r.Body | Should -Match '(?m)^# TYPE fluentbit_input_records_total counter$'
        $r.Body | Should -Match '(?m)^fluentbit_input_records_total\{name="dummy\.0"\} [1-9][0-9]* [0-9]{13}$'
        $r.Body | Should -Match '(?m)^fluentbit_output_proc_records_total\{name="null\.0"\} [0-9]+ [0-9]{13}$'
        $first = Get-Sample $r.Body 'fluentbit_input_records_total{name="dummy.0"}'
        Wait-Until { (Get-Sample (Invoke-Curl $script:Port '/api/v1/metrics/prometheus').Body 'fluentbit_input_records_total{name="dummy.0"}') -gt $first } -Because 'the v1 counter to grow'
    }

    It 'answers /api/v2/metrics/prometheus with uptime, hostname labels and the counters' {
        $r = Invoke-Curl $script:Port '/api/v2/metrics/prometheus'
        $r.Status | Should -Be 200
        $r.Body | Should -Match '(?m)^fluentbit_uptime\{hostname="[^"]+"\} [0-9]+$'
        $r.Body | Should -Match '(?m)^fluentbit_input_records_total\{name="dummy\.0"\} [1-9][0-9]*$'
        $r.Body | Should -Match '(?m)^fluentbit_output_errors_total\{name="null\.0"\} 0$'
        $first = Get-Sample $r.Body 'fluentbit_output_proc_records_total{name="null.0"}'
        Wait-Until { (Get-Sample (Invoke-Curl $script:Port '/api/v2/metrics/prometheus').Body 'fluentbit_output_proc_records_total{name="null.0"}') -gt $first } -Because 'the v2 counter to grow'
    }

    It 'answers /api/v1/storage with the storage layer and each input' {
        $storage = (Invoke-Curl $script:Port '/api/v1/storage').Body | ConvertFrom-Json
        $storage.storage_layer.chunks.PSObject.Properties.Name | Should -Contain 'total_chunks'
        $storage.input_chunks.'dummy.0'.status.overlimit | Should -BeFalse
    }

    It 'answers /api/v1/health ok, and 404 for a path it does not serve' {
        $health = Invoke-Curl $script:Port '/api/v1/health'
        $health.Status | Should -Be 200
        $health.Body | Should -Be "ok`n" # Fluent Bit's body, newline included
        (Invoke-Curl $script:Port '/api/v1/nothing').Status | Should -Be 404
    }

    It 'serves no /api/v1/health without Health_Check' {
        $p = Start-AgentPipeline -Name "$script:Prefix-nohc" -Input dummy -Output null -Service @{ HTTP_Server = 'On'; HTTP_Port = 0 }
        (Invoke-Curl $p.HttpPort '/api/v1/health').Status | Should -Be 404
        Stop-AgentPipeline $p
    }

    It 'refuses a second pipeline on the same port with a clear error, and frees the port on stop' {
        $second = @{ Name = "$script:Prefix-second"; Input = 'dummy'; Output = 'null'; Service = @{ HTTP_Server = 'On'; HTTP_Port = $script:Port } }
        { Start-AgentPipeline @second -ErrorAction Stop } | Should -Throw "*HTTP_Port $($script:Port) is already served by pipeline '$script:Prefix-api'*"
        (Get-AgentPipeline "$script:Prefix-second").State | Should -Be 'Failed'
        (Invoke-Curl $script:Port '/api/v1/uptime').Status | Should -Be 200 # the first still serves

        $holder = Start-AgentPipeline -Name "$script:Prefix-holder" -Input dummy -Output null -Service @{ HTTP_Server = 'On'; HTTP_Port = 0 }
        $port = $holder.HttpPort
        Stop-AgentPipeline $holder
        $again = Start-AgentPipeline -Name "$script:Prefix-again" -Input dummy -Output null -Service @{ HTTP_Server = 'On'; HTTP_Port = $port }
        $again.State | Should -Be 'Running'
        $again.HttpPort | Should -Be $port
        (Invoke-Curl $port '/api/v1/uptime').Status | Should -Be 200
        Stop-AgentPipeline $again
    }
}

Describe "A Go plugin's own metrics in /api/v2/metrics/prometheus" {
    BeforeAll {
        $script:GoPrefix = New-TestName 'httpgo'
        Import-AgentPlugin -Path (Get-TestPlugin 'calyptia_out_metrics') | Out-Null
        $script:G = Start-AgentPipeline -Name "$script:GoPrefix-go" `
            -Input @{ Name = 'dummy'; Tag = 'cal.app'; Samples = 3; Rate = 50; Dummy = '{"msg":"hi"}' } `
            -Output @{ Name = 'calyptia_metrics'; Match = '*'; Path = (Join-Path $TestDrive 'cal.tsv') } `
            -Service @{ Flush = 0.2; HTTP_Server = 'On'; HTTP_Port = 0 }
    }

    AfterAll { Stop-TestPipeline "$script:GoPrefix*" }

    It 'shows the plugin counter with its own name and labels, in v2 only' {
        Wait-Until { (Get-Sample (Invoke-Curl $script:G.HttpPort '/api/v2/metrics/prometheus').Body 'fluentbit_plugin_records_total{tag="cal.app"}') -eq 3 } -Because 'the plugin counter at 3 in v2'
        $v2 = (Invoke-Curl $script:G.HttpPort '/api/v2/metrics/prometheus').Body
        $v2 | Should -Match '(?m)^# HELP fluentbit_plugin_records_total Records this plugin wrote$'
        $v2 | Should -Match '(?m)^# TYPE fluentbit_plugin_records_total counter$'
        (Invoke-Curl $script:G.HttpPort '/api/v1/metrics/prometheus').Body | Should -Not -Match 'fluentbit_plugin_'
    }
}

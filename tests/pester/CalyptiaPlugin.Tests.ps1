BeforeAll { . (Join-Path $PSScriptRoot 'common.ps1') }

# A plugin built against (our stand-in for) Calyptia's plugin SDK, revision v0.1.4: it refuses to
# start without a cmetrics context, reads only the legacy event shape, and counts its records in
# its own cmetrics.
Describe 'A Go plugin built with Calyptia''s plugin SDK' {
    BeforeAll {
        $script:Prefix = New-TestName 'calyptia'
        $script:Plugin = Get-TestPlugin 'calyptia_out_metrics'
    }

    AfterAll { Stop-TestPipeline "$script:Prefix*" }

    It 'shows the SDK, its revision and the legacy shape when imported' {
        $info = Import-AgentPlugin -Path $script:Plugin

        $info.Name | Should -BeExactly 'calyptia_metrics'
        $info.Sdk | Should -BeExactly 'github.com/calyptia/plugin'
        $info.SdkRevision | Should -BeExactly 'v0.1.4'
        $info.EventShape | Should -BeExactly 'Legacy'
        $info.EventShapeReason | Should -Match 'calyptia/plugin v0\.1\.4'
    }

    It 'starts, delivers every record with its own time, and shows its own metrics on the instance' {
        $file = Join-Path $TestDrive 'calyptia.tsv'
        $p = Start-AgentPipeline -Name "$script:Prefix-run" -PluginPath $script:Plugin -Service @{ Flush = 0.2 } `
            -Input @{ Name = 'dummy'; Tag = 'cal.web'; Samples = 3; Rate = 50; fixed_timestamp = $true; start_time_sec = 1795639451; start_time_nsec = 0; Dummy = '{"msg":"hi"}' } `
            -Output @{ Name = 'calyptia_metrics'; path = $file }

        Wait-Until { (Test-Path $file) -and @(Get-Content $file).Count -eq 3 } -Because '3 records in the file'
        Get-Content $file | Should -Be @("1795639451`t0`thi", "1795639451`t0`thi", "1795639451`t0`thi")
        $output = $p.Outputs | Where-Object Plugin -EQ 'calyptia_metrics'
        Wait-Until { ($output.PluginMetrics | Where-Object Name -EQ 'fluentbit_plugin_records_total').Value -eq 3 } -Because 'its counter at 3'
        $metric = $output.PluginMetrics | Where-Object Name -EQ 'fluentbit_plugin_records_total'
        $metric.Labels['tag'] | Should -BeExactly 'cal.web'
        $metric.Type | Should -BeExactly 'counter'

        Stop-AgentPipeline $p
        (Get-Metric $p 'calyptia_metrics.0' 'proc_records') | Should -Be 3
    }

    It 'runs an SDK input (in_gdummy style) like fluent-bit -e in_gdummy.so -i gdummy, with its own metrics' {
        $p = Start-AgentPipeline -Name "$script:Prefix-in" -PluginPath (Get-TestPlugin 'calyptia_in_gdummy') -Service @{ Flush = 0.1 } `
            -Input @{ Name = 'calyptia_gdummy'; Tag = 'gd'; samples = 4; time_sec = 1795639451; interval_nsec = 50000000 } -Output powershell
        Wait-Until { (Get-Metric $p 'powershell.0' 'proc_records') -eq 4 } -Because '4 records reach the powershell output'
        $gdummy = $p.Inputs | Where-Object Plugin -EQ 'calyptia_gdummy'
        ($gdummy.PluginMetrics | Where-Object Name -EQ 'fluentbit_plugin_collected_total').Value | Should -Be 4
        Stop-AgentPipeline $p

        $records = @(Receive-AgentRecord $p)
        $records.Count | Should -Be 4
        ($records.n | Sort-Object) | Should -Be @('1', '2', '3', '4')
        $records | ForEach-Object { $_.message | Should -BeExactly 'dummy' }
    }
}

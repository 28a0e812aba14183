BeforeAll { . (Join-Path $PSScriptRoot 'common.ps1') }

Describe 'Get-AgentMetric' {
    BeforeAll {
        $script:Prefix = New-TestName 'metric'
        # Five records exactly, so every figure is known once the output has them.
        $script:A = Start-AgentPipeline -Name "$script:Prefix-a" -Input @{ Name = 'dummy'; Samples = 5; Rate = 50 } `
            -Filter @{ Name = 'grep'; Match = '*'; Exclude = 'message nothing' } -Output null -Service @{ Flush = 0.2 }
        $script:B = Start-AgentPipeline -Name "$script:Prefix-b" -Input @{ Name = 'dummy'; Samples = 3; Rate = 50 } -Output null -Service @{ Flush = 0.2 }
        Wait-Until { (Get-Metric $script:A 'null.0' 'proc_records') -eq 5 -and (Get-Metric $script:B 'null.0' 'proc_records') -eq 3 } -Because 'every record delivered'
    }

    AfterAll { Stop-TestPipeline "$script:Prefix*" }

    It 'returns one object per instance and metric with the figures of /api/v1/metrics' {
        $metrics = @(Get-AgentMetric "$script:Prefix-a")

        $metrics[0].GetType().FullName | Should -Be 'CoreAgent.Commands.AgentMetric'
        @($metrics | ForEach-Object { "$($_.Section)/$($_.Instance)/$($_.Metric)" }) | Should -Be @(
            'input/dummy.0/records', 'input/dummy.0/bytes'
            'filter/grep.0/records', 'filter/grep.0/bytes', 'filter/grep.0/add_records', 'filter/grep.0/drop_records'
            'output/null.0/proc_records', 'output/null.0/proc_bytes', 'output/null.0/errors', 'output/null.0/retries',
            'output/null.0/retries_failed', 'output/null.0/dropped_records', 'output/null.0/retried_records')
        ($metrics | Where-Object { $_.Instance -eq 'dummy.0' -and $_.Metric -eq 'records' }).Value | Should -Be 5
        ($metrics | Where-Object { $_.Instance -eq 'null.0' -and $_.Metric -eq 'proc_records' }).Value | Should -Be 5
        ($metrics | Where-Object { $_.Instance -eq 'null.0' -and $_.Metric -eq 'proc_bytes' }).Value |
            Should -Be (Get-Metric $script:A 'null.0' 'proc_bytes')
        $metrics | ForEach-Object {
            $_.Pipeline | Should -Be "$script:Prefix-a"
            $_.Source | Should -Be 'Engine'
            $_.Type | Should -Be 'counter'
            $_.Labels | Should -Be ''
        }
        ($metrics | Where-Object Instance -EQ 'grep.0')[0].Plugin | Should -Be 'grep'
    }

    It 'selects pipelines by wildcard name, by Id and from the pipeline, each once' {
        @(Get-AgentMetric "$script:Prefix-*" | Select-Object -ExpandProperty Pipeline -Unique) | Should -Be @("$script:Prefix-a", "$script:Prefix-b")
        @(Get-AgentMetric -Id $script:B.Id).Count | Should -Be 9
        @($script:A, $script:B | Get-AgentMetric).Count | Should -Be (13 + 9)
        @(Get-AgentPipeline "$script:Prefix-b" | Get-AgentMetric | Where-Object Metric -EQ 'proc_records').Value | Should -Be @(3)
        @(Get-AgentMetric | Where-Object Pipeline -Like "$script:Prefix-*").Count | Should -Be (13 + 9)
    }

    It 'writes PipelineNotFound for a name or Id that matches nothing' {
        Get-AgentMetric "$script:Prefix-none" -ErrorVariable err -ErrorAction SilentlyContinue | Should -BeNullOrEmpty
        $err[0].FullyQualifiedErrorId | Should -BeLike 'PipelineNotFound*'
        Get-AgentMetric -Id ([guid]::NewGuid()) -ErrorVariable err2 -ErrorAction SilentlyContinue | Should -BeNullOrEmpty
        $err2[0].FullyQualifiedErrorId | Should -BeLike 'PipelineNotFound*'
    }

    It 'exports to CSV as flat rows' {
        $file = Join-Path $TestDrive 'metrics.csv'
        Get-AgentMetric "$script:Prefix-b" | Export-Csv -Path $file
        $rows = @(Import-Csv $file)
        $rows.Count | Should -Be 9
        ($rows | Where-Object Metric -EQ 'records').Value | Should -Be '3'
        ($rows[0].PSObject.Properties.Name -join ',') | Should -Be 'Pipeline,Section,Instance,Plugin,Metric,Value,Type,Labels,Source'
    }

    It 'shows a table by default' {
        $text = Get-AgentMetric "$script:Prefix-b" | Out-String -Width 200
        $text | Should -Match 'Pipeline\s+Section\s+Instance\s+Metric\s+Labels\s+Value'
        $text | Should -Match "$script:Prefix-b\s+output\s+null\.0\s+proc_records\s+3"
    }

    It 'keeps the counters of a stopped pipeline' {
        $p = Start-AgentPipeline -Name "$script:Prefix-stopped" -Input @{ Name = 'dummy'; Samples = 2; Rate = 50 } -Output null -Service @{ Flush = 0.2 }
        Wait-Until { (Get-Metric $p 'null.0' 'proc_records') -eq 2 } -Because '2 records delivered'
        Stop-AgentPipeline $p
        (Get-AgentMetric -Id $p.Id | Where-Object Metric -EQ 'proc_records').Value | Should -Be 2
    }

    Context 'a Go plugin with its own cmetrics' {
        BeforeAll {
            Import-AgentPlugin -Path (Get-TestPlugin 'calyptia_out_metrics') | Out-Null
            $script:Out = Join-Path $TestDrive 'cal.tsv'
            $script:G = Start-AgentPipeline -Name "$script:Prefix-go" -Input @{ Name = 'dummy'; Tag = 'cal.app'; Samples = 3; Rate = 50; Dummy = '{"msg":"hi"}' } `
                -Output @{ Name = 'calyptia_metrics'; Match = '*'; Path = $script:Out } -Service @{ Flush = 0.2 }
            Wait-Until { (Get-Metric $script:G 'calyptia_metrics.0' 'proc_records') -eq 3 } -Because '3 records delivered'
        }

        It 'returns its metrics after the counters, with their labels, unless -NoPluginMetric' {
            $own = $null
            Wait-Until { $own = Get-AgentMetric -Id $script:G.Id | Where-Object Source -EQ 'Plugin'; $own.Value -eq 3 } -Because 'its counter at 3'
            $own = @(Get-AgentMetric -Id $script:G.Id | Where-Object Source -EQ 'Plugin')
            $own.Count | Should -Be 1
            $own[0].Metric | Should -Be 'fluentbit_plugin_records_total'
            $own[0].Labels | Should -Be 'tag="cal.app"'
            $own[0].Type | Should -Be 'counter'
            $own[0].Section | Should -Be 'output'
            $own[0].Instance | Should -Be 'calyptia_metrics.0'
            $own[0].Plugin | Should -Be 'calyptia_metrics'
            (Get-AgentMetric -Id $script:G.Id)[-1].Source | Should -Be 'Plugin'
            @(Get-AgentMetric -Id $script:G.Id -NoPluginMetric | Where-Object Source -EQ 'Plugin').Count | Should -Be 0
        }
    }
}

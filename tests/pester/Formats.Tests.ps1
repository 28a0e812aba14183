BeforeAll {
    . (Join-Path $PSScriptRoot 'common.ps1')
}

Describe 'Default views' {
    It 'has a table view for <TypeName>' -ForEach @(
        @{ TypeName = 'CoreAgent.Commands.AgentPluginInfo' }
        @{ TypeName = 'CoreAgent.Commands.AgentPluginProperty' }
        @{ TypeName = 'CoreAgent.Commands.AgentPipelineInfo' }
        @{ TypeName = 'CoreAgent.Commands.AgentInstanceInfo' }
        @{ TypeName = 'CoreAgent.Commands.AgentPipelineJob' }
        @{ TypeName = 'CoreAgent.Engine.Logging.LogEntry' }
        @{ TypeName = 'CoreAgent.Commands.AgentPipelineStateChangedEventArgs' }
        @{ TypeName = 'CoreAgent.Commands.AgentRetryEventArgs' }
        @{ TypeName = 'CoreAgent.Commands.AgentOutputErrorEventArgs' }
        @{ TypeName = 'CoreAgent.Commands.AgentInputPauseEventArgs' }
    ) {
        $format = Get-FormatData -TypeName $TypeName

        $format | Should -Not -BeNullOrEmpty
        $format.FormatViewDefinition.Control | Where-Object { $_ -is [System.Management.Automation.TableControl] } | Should -Not -BeNullOrEmpty
    }

    It 'shows a job and its log with their views' {
        $job = Start-AgentPipeline -Name 'formats-job' -Input @{ Name = 'dummy'; Rate = 20 } -Output null -AsJob
        try {
            Wait-Until { $job.Pipeline.RecentLog.Count -gt 0 } -Because 'the start to be logged'

            $jobTable = $job | Out-String -Width 200
            $logTable = $job.Pipeline.RecentLog | Out-String -Width 200

            $jobTable | Should -Match 'PSJobTypeName\s+State\s+HasMoreData\s+Pipeline\s+Uptime'
            $jobTable | Should -Match 'formats-job\s+AgentPipelineJob\s+Running\s+True\s+Running'
            $logTable | Should -Match 'Time\s+Level\s+Source\s+Event\s+Message'
            $logTable | Should -Match "Info\s+engine\s+pipeline 'formats-job' started"
        }
        finally {
            $job | Remove-Job -Force
        }
    }

    Context 'pipelines and their instances at 80 and 120 columns' {
        BeforeAll {
            $script:Long = 'formats-a-name-longer-than-twenty'
            $script:P = Start-AgentPipeline -Name $script:Long -Service @{ Flush = 0.1 } `
                -Input @{ Name = 'dummy'; Tag = 'app.web'; Rate = 20 }, @{ Name = 'dummy'; Tag = 'host.a'; Rate = 20 } `
                -Output @{ Name = 'null'; Match_Regex = '^host'; Alias = 'the_host_output_with_a_long_alias' }, @{ Name = 'null'; Match = 'app.*' }
            Wait-Until { (Get-Metric $script:P 'null.1' 'proc_records') -gt 0 } -Because 'records delivered'
        }
        AfterAll { Stop-AgentPipeline $script:P }

        It 'gives the numbers people look for their own columns, and shows Match_Regex as written' {
            foreach ($width in 80, 120) {
                $table = $script:P.Outputs[1], $script:P.Inputs[0] | Format-Table | Out-String -Width $width
                $table | Should -Match 'Name\s+Type\s+Plugin\s+Records\s+Errors\s+Retries\s+Dropped\s+Route'
                $table | Should -Match 'null\.1\s+Output\s+null\s+\d+\s+0\s+0\s+0\s+app\.\*'
                $table | Should -Match 'dummy\.0\s+Input\s+dummy\s+\d+\s+app\.web'
            }
            $regexTable = $script:P.Outputs | Format-Table | Out-String -Width 120
            $regexTable | Should -Match 'regex \^host'
            $regexTable | Should -Not -Match '\\G'
        }

        It 'shows long names in full at 120 columns' {
            $script:P | Format-Table | Out-String -Width 120 | Should -Match ([regex]::Escape($script:Long))
            $script:P.Outputs | Format-Table | Out-String -Width 120 | Should -Match 'the_host_output_with_a_long_alias'
        }

        It 'has a readable list view for a pipeline and an instance' {
            $pipelineList = $script:P | Format-List | Out-String -Width 120
            $instanceList = $script:P.Outputs[1] | Format-List | Out-String -Width 120

            $pipelineList + $instanceList | Should -Not -Match 'OrderedDictionary'
            $pipelineList | Should -Match 'null\.1 \(null\): \d+ records, 0 errors, 0 retries, 0 dropped, match app\.\*'
            $instanceList | Should -Match 'proc_records = \d+'
            $instanceList | Should -Match 'dropped_records = 0'
        }
    }
}

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
}

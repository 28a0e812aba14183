BeforeAll {
    . (Join-Path $PSScriptRoot 'common.ps1')

    # Subscribes to every event of a pipeline handle; the source identifiers are '<prefix>.<event>'.
    function Register-PipelineEvents([CoreAgent.Commands.AgentPipelineInfo] $Pipeline, [string] $Prefix) {
        foreach ($name in 'StateChanged', 'Retry', 'OutputError', 'InputPaused', 'InputResumed') {
            Register-ObjectEvent -InputObject $Pipeline -EventName $name -SourceIdentifier "$Prefix.$name" | Out-Null
        }
    }

    function Unregister-PipelineEvents([string] $Prefix) {
        Get-EventSubscriber | Where-Object SourceIdentifier -Like "$Prefix.*" | Unregister-Event
        Get-Event | Where-Object SourceIdentifier -Like "$Prefix.*" | Remove-Event
    }

    # Takes events of one source from the queue until one matches; Wait-Event blocks until the next
    # arrives, so there is no polling and no fixed sleep.
    function Wait-PipelineEvent([string] $SourceIdentifier, [scriptblock] $Where = { $true }, [int] $TimeoutSeconds = 60) {
        $deadline = [DateTime]::UtcNow.AddSeconds($TimeoutSeconds)
        while ($true) {
            $left = [int][Math]::Ceiling(($deadline - [DateTime]::UtcNow).TotalSeconds)
            $received = if ($left -gt 0) { Wait-Event -SourceIdentifier $SourceIdentifier -Timeout $left }
            if (-not $received) { throw "timed out after $TimeoutSeconds s waiting for a matching $SourceIdentifier event" }
            Remove-Event -EventIdentifier $received.EventIdentifier
            if ($received.SourceEventArgs | Where-Object $Where) { return $received }
        }
    }

    $script:ResultPlugin = Get-TestPlugin out_result
}

Describe 'AgentPipelineInfo events' {
    It 'raises StateChanged for every state, with the handle as sender' {
        $pipeline = New-AgentPipeline -Name 'events-state' -Input @{ Name = 'dummy'; Rate = 20 } -Output null
        Register-PipelineEvents $pipeline 'events-state'
        try {
            $pipeline | Start-AgentPipeline | Out-Null
            $running = Wait-PipelineEvent 'events-state.StateChanged' { $_.State -eq 'Running' }
            Stop-AgentPipeline $pipeline
            $stopped = Wait-PipelineEvent 'events-state.StateChanged' { $_.State -eq 'Stopped' }

            $running.Sender.Id | Should -Be $pipeline.Id
            $running.SourceEventArgs | Should -BeOfType ([CoreAgent.Commands.AgentPipelineStateChangedEventArgs])
            $running.SourceEventArgs.PreviousState | Should -Be 'Starting'
            $running.SourceEventArgs.PipelineName | Should -Be 'events-state'
            $running.SourceEventArgs.PipelineId | Should -Be $pipeline.Id
            $stopped.SourceEventArgs.PreviousState | Should -Be 'Stopping'
            $stopped.SourceEventArgs.Time | Should -BeGreaterThan $running.SourceEventArgs.Time
            $stopped.SourceEventArgs.Message | Should -Be "pipeline 'events-state': Stopping -> Stopped"
        }
        finally {
            Unregister-PipelineEvents 'events-state'
        }
    }

    It 'raises Retry, InputPaused, OutputError (RetriesExhausted) and InputResumed for a retrying output' {
        # Every flush asks for a retry; one retry is allowed after 2 s (random(1, 1) + 1). The input may
        # buffer 1 byte, so it pauses as soon as its first chunk waits for the output, and resumes when
        # the chunk is dropped.
        $pipeline = New-AgentPipeline -Name 'events-retry' -PluginPath $script:ResultPlugin `
            -Input @{ Name = 'dummy'; Rate = 20; Mem_Buf_Limit = '1' } `
            -Output @{ Name = 'result'; Result = 'retry'; Retry_Limit = 1 } `
            -Service @{ 'scheduler.base' = 1; 'scheduler.cap' = 1 }
        Register-PipelineEvents $pipeline 'events-retry'
        try {
            $pipeline | Start-AgentPipeline | Out-Null

            $retry = (Wait-PipelineEvent 'events-retry.Retry').SourceEventArgs
            $paused = (Wait-PipelineEvent 'events-retry.InputPaused').SourceEventArgs
            $exhausted = (Wait-PipelineEvent 'events-retry.OutputError').SourceEventArgs
            $resumed = (Wait-PipelineEvent 'events-retry.InputResumed').SourceEventArgs

            $retry | Should -BeOfType ([CoreAgent.Commands.AgentRetryEventArgs])
            $retry.PipelineName | Should -Be 'events-retry'
            $retry.Output | Should -Be 'result.0'
            $retry.Tag | Should -Be 'dummy.0'
            $retry.TaskId | Should -BeGreaterThan 0
            $retry.Retry | Should -Be 1
            $retry.RetryIn | Should -Be ([TimeSpan]::FromSeconds(2))
            $retry.Message | Should -BeLike '*will retry in*'

            $paused | Should -BeOfType ([CoreAgent.Commands.AgentInputPauseEventArgs])
            $paused.Input | Should -Be 'dummy.0'
            $paused.Paused | Should -BeTrue

            $exhausted | Should -BeOfType ([CoreAgent.Commands.AgentOutputErrorEventArgs])
            $exhausted.Kind | Should -Be 'RetriesExhausted'
            $exhausted.Output | Should -Be 'result.0'
            $exhausted.Tag | Should -Be 'dummy.0'
            $exhausted.TaskId | Should -Be $retry.TaskId
            $exhausted.Records | Should -BeGreaterThan 0

            $resumed.Input | Should -Be 'dummy.0'
            $resumed.Paused | Should -BeFalse
            $resumed.Time | Should -BeGreaterOrEqual $paused.Time
        }
        finally {
            Stop-AgentPipeline $pipeline
            Unregister-PipelineEvents 'events-retry'
        }
    }

    It 'raises OutputError (FlushError) with the records dropped when a flush fails' {
        $pipeline = New-AgentPipeline -Name 'events-error' -PluginPath $script:ResultPlugin `
            -Input @{ Name = 'dummy'; Rate = 20; Alias = 'my input' } -Output @{ Name = 'result'; Result = 'error'; Alias = 'failing out' }
        Register-PipelineEvents $pipeline 'events-error'
        try {
            $pipeline | Start-AgentPipeline | Out-Null

            $failed = (Wait-PipelineEvent 'events-error.OutputError').SourceEventArgs

            $failed.Kind | Should -Be 'FlushError'
            $failed.Output | Should -Be 'failing out' -Because 'aliases with spaces are matched whole'
            $failed.Tag | Should -Be 'my input'
            $failed.Records | Should -BeGreaterThan 0
            $failed.Message | Should -BeLike '*records dropped'
        }
        finally {
            Stop-AgentPipeline $pipeline
            Unregister-PipelineEvents 'events-error'
        }
    }

    It 'raises OutputError (Discarded) for a retry still scheduled when the grace period ends' {
        $pipeline = New-AgentPipeline -Name 'events-discard' -PluginPath $script:ResultPlugin `
            -Input @{ Name = 'dummy'; Rate = 20 } -Output @{ Name = 'result'; Result = 'retry'; Retry_Limit = 'no_limits' } `
            -Service @{ 'scheduler.base' = 1000; 'scheduler.cap' = 1000; Grace = 0 }
        Register-PipelineEvents $pipeline 'events-discard'
        try {
            $pipeline | Start-AgentPipeline | Out-Null
            Wait-PipelineEvent 'events-discard.Retry' | Out-Null

            Stop-AgentPipeline $pipeline
            $discarded = (Wait-PipelineEvent 'events-discard.OutputError').SourceEventArgs

            $discarded.Kind | Should -Be 'Discarded'
            $discarded.Output | Should -Be 'result.0'
            $discarded.Records | Should -BeGreaterThan 0
        }
        finally {
            Stop-AgentPipeline $pipeline
            Unregister-PipelineEvents 'events-discard'
        }
    }
}

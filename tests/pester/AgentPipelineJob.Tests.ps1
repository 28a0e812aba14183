BeforeAll {
    . (Join-Path $PSScriptRoot 'common.ps1')

    # A pipeline that runs until it is stopped: dummy into null.
    function Start-TestJob([string] $Name, [hashtable] $Extra = @{}) {
        Start-AgentPipeline -Name $Name -Input @{ Name = 'dummy'; Rate = 20 } -Output null -AsJob @Extra
    }
}

Describe 'Start-AgentPipeline -AsJob' {
    AfterEach {
        Get-Job | Where-Object PSJobTypeName -EQ 'AgentPipelineJob' | Remove-Job -Force
    }

    It 'returns a running AgentPipelineJob that the built-in job cmdlets find' {
        $job = Start-TestJob 'job-basic'

        $job | Should -BeOfType ([CoreAgent.Commands.AgentPipelineJob])
        $job.PSJobTypeName | Should -Be 'AgentPipelineJob'
        $job.Name | Should -Be 'job-basic'
        $job.State | Should -Be 'Running'
        $job.Pipeline.State | Should -Be 'Running'
        $job.Pipeline.Name | Should -Be 'job-basic'

        (Get-Job -Id $job.Id).InstanceId | Should -Be $job.InstanceId
        (Get-Job -Name 'job-basic').InstanceId | Should -Be $job.InstanceId
        (Get-Job -InstanceId $job.InstanceId).Id | Should -Be $job.Id
        (Get-Job -State Running | Where-Object InstanceId -EQ $job.InstanceId) | Should -Not -BeNullOrEmpty
        (Get-Job -Name 'job-ba*').InstanceId | Should -Be $job.InstanceId
        Get-AgentPipeline -Name 'job-basic' | Should -Not -BeNullOrEmpty
    }

    It 'Stop-Job stops the pipeline gracefully and leaves the job Stopped' {
        $job = Start-TestJob 'job-stop'
        Wait-Until { $job.Pipeline.Inputs[0].Metrics.records -gt 0 } -Because 'the dummy input to produce records'

        Stop-Job $job

        $job.State | Should -Be 'Stopped'
        $job.Pipeline.State | Should -Be 'Stopped'
        $job.PSEndTime | Should -Not -BeNullOrEmpty
        # graceful: what the input produced reached the output before the plugins exited
        $job.Pipeline.Outputs[0].Metrics.proc_records | Should -Be $job.Pipeline.Inputs[0].Metrics.records
    }

    It 'Receive-Job returns the log as verbose records and the pipeline handle at the end' {
        $job = Start-TestJob 'job-receive'
        Stop-Job $job

        $received = Receive-Job $job -Verbose 4>&1
        $handles = @($received | Where-Object { $_ -is [CoreAgent.Commands.AgentPipelineInfo] })
        $verbose = @($received | Where-Object { $_ -is [System.Management.Automation.VerboseRecord] })

        $handles.Count | Should -Be 1
        $handles[0].Id | Should -Be $job.Pipeline.Id
        ($verbose.Message -like "[[]engine] pipeline 'job-receive' started*") | Should -Not -BeNullOrEmpty -Because 'the start is logged at info level'
        ($verbose.Message -like "*pipeline 'job-receive' stopped*") | Should -Not -BeNullOrEmpty
        $job.HasMoreData | Should -BeFalse
    }

    It 'completes by itself after -Duration and Wait-Job returns it' {
        $job = Start-TestJob 'job-duration' @{ Duration = [TimeSpan]::FromSeconds(1) }

        $waited = Wait-Job $job -Timeout 60

        $waited.InstanceId | Should -Be $job.InstanceId
        $job.State | Should -Be 'Completed'
        $job.Pipeline.State | Should -Be 'Stopped'
        (Receive-Job $job).Id | Should -Be $job.Pipeline.Id
    }

    It 'is Completed when the pipeline is stopped with Stop-AgentPipeline' {
        $job = Start-TestJob 'job-stop-pipeline'

        Stop-AgentPipeline -Name 'job-stop-pipeline'

        $job | Wait-Job -Timeout 60 | Should -Not -BeNullOrEmpty
        $job.State | Should -Be 'Completed'
    }

    It 'is Failed with a PipelineStartFailed error when the pipeline cannot start' {
        # valid JSON, so the definition is accepted, but not an object, so the input's init fails
        $job = Start-AgentPipeline -Name 'job-fail' -Input @{ Name = 'dummy'; Dummy = '[1, 2]' } -Output null -AsJob

        $job | Wait-Job -Timeout 60 | Out-Null
        $job.State | Should -Be 'Failed'
        $job.Pipeline.State | Should -Be 'Failed'
        $errors = @()
        $null = Receive-Job $job -ErrorVariable errors -ErrorAction SilentlyContinue 3>$null
        $errors.Count | Should -BeGreaterOrEqual 1
        $errors[0].FullyQualifiedErrorId | Should -Be 'PipelineStartFailed'
    }

    It 'writes warning-level log entries as warning records' {
        $plugin = Get-TestPlugin out_result
        $job = Start-AgentPipeline -Name 'job-warning' -PluginPath $plugin -AsJob `
            -Input @{ Name = 'dummy'; Rate = 20 } -Output @{ Name = 'result'; Result = 'error' }
        Wait-Until { $job.Warning.Count -gt 0 } -Because 'the failed flush to be logged'
        Stop-Job $job

        $warnings = @(Receive-Job $job 3>&1 | Where-Object { $_ -is [System.Management.Automation.WarningRecord] })
        ($warnings.Message -like '*failed in output=result.0*') | Should -Not -BeNullOrEmpty
    }

    It 'Remove-Job removes a finished job from Get-Job' {
        $job = Start-TestJob 'job-remove'
        Stop-Job $job

        Remove-Job $job

        Get-Job -Id $job.Id -ErrorAction SilentlyContinue | Should -BeNullOrEmpty
        Get-Job | Where-Object InstanceId -EQ $job.InstanceId | Should -BeNullOrEmpty
    }

    It 'Remove-Job -Force stops a running pipeline first' {
        $job = Start-TestJob 'job-remove-force'
        $pipeline = $job.Pipeline

        Remove-Job $job -Force

        $pipeline.State | Should -Be 'Stopped'
        Get-Job | Where-Object InstanceId -EQ $job.InstanceId | Should -BeNullOrEmpty
    }

    It 'Receive-Job -Wait -AutoRemoveJob returns the handle and removes the job' {
        $job = Start-TestJob 'job-autoremove' @{ Duration = [TimeSpan]::FromSeconds(1) }

        $received = Receive-Job $job -Wait -AutoRemoveJob

        $received.Id | Should -Be $job.Pipeline.Id
        $received.State | Should -Be 'Stopped'
        Get-Job | Where-Object InstanceId -EQ $job.InstanceId | Should -BeNullOrEmpty
    }

    It 'works in another runspace that imports the module, with its own job list' {
        $ps = [powershell]::Create()
        try {
            $null = $ps.AddScript({
                    param($ModulePath)
                    Import-Module $ModulePath
                    $job = Start-AgentPipeline -Name 'job-runspace' -Input dummy -Output null -AsJob
                    [pscustomobject]@{
                        Registered = [runspace]::DefaultRunspace.JobManager.IsRegistered('AgentPipelineJobSourceAdapter')
                        Found      = (Get-Job -Id $job.Id).InstanceId -eq $job.InstanceId
                        State      = ($job | Stop-Job -PassThru).State
                    }
                }).AddArgument($script:ModulePath)

            $result = $ps.Invoke()

            $ps.Streams.Error | Should -BeNullOrEmpty
            $result.Registered | Should -BeTrue
            $result.Found | Should -BeTrue
            $result.State | Should -Be 'Stopped'
            Get-Job -Name 'job-runspace' -ErrorAction SilentlyContinue | Should -BeNullOrEmpty
        }
        finally {
            $ps.Dispose()
        }
    }

    It 'starts a pipeline handle from the pipeline as a job' {
        $pipeline = New-AgentPipeline -Name 'job-from-handle' -Input @{ Name = 'dummy'; Rate = 20 } -Output null

        $job = $pipeline | Start-AgentPipeline -AsJob

        $job.Pipeline.Id | Should -Be $pipeline.Id
        $job.State | Should -Be 'Running'
    }

    It 'refuses a pipeline that already started, without creating a job' {
        $pipeline = Start-AgentPipeline -Name 'job-started' -Input @{ Name = 'dummy'; Rate = 20 } -Output null
        try {
            $before = @(Get-Job).Count

            { $pipeline | Start-AgentPipeline -AsJob -ErrorAction Stop } | Should -Throw -ErrorId 'PipelineAlreadyStarted,CoreAgent.Commands.StartAgentPipelineCommand'

            @(Get-Job).Count | Should -Be $before
        }
        finally {
            Stop-AgentPipeline $pipeline
        }
    }

    It 'refuses -AsJob with -Wait before building anything' {
        { Start-AgentPipeline -Name 'job-wait' -Input dummy -Output null -AsJob -Wait } |
            Should -Throw -ErrorId 'AsJobWithWait,CoreAgent.Commands.StartAgentPipelineCommand'
        Get-AgentPipeline -Name 'job-wait' -ErrorAction SilentlyContinue | Should -BeNullOrEmpty
    }

    It 'cannot be suspended' {
        $job = Start-TestJob 'job-suspend'

        { Suspend-Job $job -ErrorAction Stop } | Should -Throw

        $job.State | Should -Be 'Running'
    }
}

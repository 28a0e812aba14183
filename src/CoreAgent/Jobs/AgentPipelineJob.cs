using System.ComponentModel;
using System.Management.Automation;
using CoreAgent.Engine.Logging;
using CoreAgent.Engine.Pipeline;

namespace CoreAgent.Commands;

/// <summary>
/// A running pipeline as a PowerShell job (<c>Start-AgentPipeline -AsJob</c>), so that Get-Job,
/// Receive-Job, Wait-Job, Stop-Job and Remove-Job work with it. The job follows the pipeline: Running
/// while it runs, Completed when it stops by itself, -Duration or Stop-AgentPipeline, Stopped when
/// Stop-Job stopped it, Failed when it could not start. Log entries arrive as verbose, warning and
/// debug records, and the pipeline handle is the job's output once the pipeline is down.
/// </summary>
public sealed class AgentPipelineJob : Job2
{
    public const string JobTypeName = "AgentPipelineJob";
    internal const string AsJobWithWaitError = "AsJobWithWait";

    private readonly object _sync = new();
    private readonly TimeSpan? _duration;
    private readonly CancellationTokenSource _timer = new();
    private bool _stopRequested;
    private bool _finished;

    private AgentPipelineJob(AgentPipelineInfo pipeline, TimeSpan? duration, string command)
        : base(command, pipeline.Name)
    {
        Pipeline = pipeline;
        _duration = duration;
        PSJobTypeName = JobTypeName;
        // Enumerating a stream must not block until the job ends ($job.Verbose in a script).
        Output = new PSDataCollection<PSObject> { EnumeratorNeverBlocks = true };
        Error = new PSDataCollection<ErrorRecord> { EnumeratorNeverBlocks = true };
        Warning = new PSDataCollection<WarningRecord> { EnumeratorNeverBlocks = true };
        Verbose = new PSDataCollection<VerboseRecord> { EnumeratorNeverBlocks = true };
        Debug = new PSDataCollection<DebugRecord> { EnumeratorNeverBlocks = true };
        Progress = new PSDataCollection<ProgressRecord> { EnumeratorNeverBlocks = true };
        Information = new PSDataCollection<InformationRecord> { EnumeratorNeverBlocks = true };
        pipeline.Engine.Log.Written += OnLog;
    }

    /// <summary>The pipeline the job runs.</summary>
    public AgentPipelineInfo Pipeline { get; }

    /// <summary>The pipeline's state (Running, Stopping, Stopped, Failed).</summary>
    public override string StatusMessage => Pipeline.State;

    public override string Location => "localhost";

    public override bool HasMoreData =>
        Output.Count > 0 || Error.Count > 0 || Warning.Count > 0 || Verbose.Count > 0 || Debug.Count > 0
        || Progress.Count > 0 || Information.Count > 0;

    /// <summary>
    /// Creates the job for a pipeline that has not started yet, adds it to the session's jobs and starts
    /// it. Returns null (with an error written) when the pipeline was already started.
    /// </summary>
    internal static AgentPipelineJob? Start(PSCmdlet cmdlet, AgentPipelineInfo pipeline, TimeSpan? duration)
    {
        if (pipeline.Engine.State != PipelineState.Created)
        {
            cmdlet.WriteError(new ErrorRecord(new InvalidOperationException($"pipeline '{pipeline.Name}' is {pipeline.State}; a pipeline starts once"),
                CommandErrors.PipelineAlreadyStarted, ErrorCategory.InvalidOperation, pipeline));
            return null;
        }

        var job = new AgentPipelineJob(pipeline, duration, $"{cmdlet.MyInvocation.MyCommand.Name} {pipeline.Name}");
        // Import-Module registers the module's JobSourceAdapter with the runspace's JobManager; the
        // repository is the fallback for a session that loaded the assembly some other way.
        if (cmdlet.JobManager.IsRegistered(nameof(AgentPipelineJobSourceAdapter)))
        {
            var definition = new JobDefinition(typeof(AgentPipelineJobSourceAdapter), job.Command, job.Name);
            cmdlet.JobManager.NewJob(new JobInvocationInfo(definition, new Dictionary<string, object> { [AgentPipelineJobSourceAdapter.JobParameter] = job }));
        }
        else
        {
            cmdlet.JobRepository.Add(job);
        }
        job.StartJob();
        return job;
    }

    internal static ErrorRecord AsJobWithWait() =>
        new(new ArgumentException("-AsJob and -Wait cannot be used together: Wait-Job or Receive-Job -Wait waits for the job"),
            AsJobWithWaitError, ErrorCategory.InvalidArgument, null);

    public override void StartJob()
    {
        lock (_sync)
        {
            if (JobStateInfo.State != JobState.NotStarted) throw new InvalidOperationException($"job {Id} has already been started");
        }
        try
        {
            Pipeline.Engine.Start();
        }
        catch (Exception ex)
        {
            string id = ex is InvalidOperationException ? CommandErrors.PipelineAlreadyStarted : CommandErrors.PipelineStartFailed;
            Finish(JobState.Failed, new ErrorRecord(ex, id, ErrorCategory.InvalidOperation, Pipeline));
            return;
        }
        SetJobState(JobState.Running);
        // Registered after Start so that a start failure is reported above, before the job state changes.
        Pipeline.Engine.Completion.ContinueWith(_ => OnPipelineDown(), TaskScheduler.Default);
        if (_duration is { } lifetime)
        {
            Task.Delay(lifetime, _timer.Token).ContinueWith(t =>
            {
                if (!t.IsCanceled) Pipeline.Engine.Stop();
            }, TaskScheduler.Default);
        }
    }

    public override void StartJobAsync()
    {
        Exception? error = null;
        try { StartJob(); }
        catch (Exception ex) { error = ex; }
        OnStartJobCompleted(new AsyncCompletedEventArgs(error, false, null));
    }

    /// <summary>Stops the pipeline gracefully (as Stop-AgentPipeline does) and waits for it.</summary>
    public override void StopJob()
    {
        lock (_sync)
        {
            if (_finished) return;
            _stopRequested = true;
        }
        if (JobStateInfo.State == JobState.NotStarted)
        {
            Finish(JobState.Stopped, null);
            return;
        }
        Pipeline.Engine.Stop();
        OnPipelineDown();
    }

    public override void StopJob(bool force, string reason) => StopJob();

    public override void StopJobAsync() => StopJobAsync(false, string.Empty);

    public override void StopJobAsync(bool force, string reason) => Task.Run(() =>
    {
        Exception? error = null;
        try { StopJob(); }
        catch (Exception ex) { error = ex; }
        OnStopJobCompleted(new AsyncCompletedEventArgs(error, false, null));
    });

    public override void SuspendJob() => throw NotSupported("suspended");
    public override void SuspendJob(bool force, string reason) => throw NotSupported("suspended");
    public override void SuspendJobAsync() => throw NotSupported("suspended");
    public override void SuspendJobAsync(bool force, string reason) => throw NotSupported("suspended");
    public override void ResumeJob() => throw NotSupported("resumed");
    public override void ResumeJobAsync() => throw NotSupported("resumed");
    public override void UnblockJob() => throw NotSupported("unblocked");
    public override void UnblockJobAsync() => throw NotSupported("unblocked");

    private static PSNotSupportedException NotSupported(string what) => new($"an {JobTypeName} cannot be {what}");

    private void OnPipelineDown()
    {
        var failed = Pipeline.Engine.State == PipelineState.Failed;
        ErrorRecord? error = failed && Pipeline.Engine.Error is { } ex
            ? new ErrorRecord(ex, CommandErrors.PipelineStartFailed, ErrorCategory.InvalidOperation, Pipeline)
            : null;
        bool stopRequested;
        lock (_sync) stopRequested = _stopRequested;
        Finish(failed ? JobState.Failed : stopRequested ? JobState.Stopped : JobState.Completed, error);
    }

    private void Finish(JobState state, ErrorRecord? error)
    {
        lock (_sync)
        {
            if (_finished) return;
            _finished = true;
        }
        try { _timer.Cancel(); }
        catch (ObjectDisposedException) { }
        if (error is not null) TryAdd(Error, error);
        TryAdd(Output, PSObject.AsPSObject(Pipeline));
        SetJobState(state);
    }

    private void OnLog(LogEntry entry)
    {
        string text = $"[{entry.Source}] {entry.Message}";
        switch (entry.Level)
        {
            case LogLevel.Error or LogLevel.Warn:
                TryAdd(Warning, new WarningRecord(text));
                break;
            case LogLevel.Info:
                TryAdd(Verbose, new VerboseRecord(text));
                break;
            default:
                TryAdd(Debug, new DebugRecord(text));
                break;
        }
    }

    private static void TryAdd<T>(PSDataCollection<T> collection, T item)
    {
        try { collection.Add(item); }
        catch (InvalidOperationException) { /* closed or disposed (Remove-Job) while the pipeline still logs */ }
    }

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            Pipeline.Engine.Log.Written -= OnLog;
            lock (_sync) _finished = true;
            _timer.Cancel();
            _timer.Dispose();
        }
        base.Dispose(disposing);
    }
}

using System.Management.Automation;
using System.Management.Automation.Runspaces;
using CoreAgent.Engine.Logging;

namespace CoreAgent.Commands.Filters;

/// <summary>The script block failed (an error, a throw, or Stop); the message says where.</summary>
internal sealed class ScriptFailedException(string message, Exception? inner = null) : Exception(message, inner);

/// <summary>
/// Runs one filter's script block in a runspace of its own. Engine threads must never touch the
/// session's runspace, and a runspace runs one pipeline at a time; the engine serialises a filter's
/// calls, so one runspace per filter is enough. UseCurrentThread runs the script on the engine
/// thread that calls (the input's or the flush timer's), so a chunk costs no thread switch.
/// </summary>
internal sealed class ScriptRunner : IDisposable
{
    // One invocation per batch of records. The block, wrapped as a process block, is driven through
    // a steppable pipeline: Process($record) runs it with $_ = the record and returns exactly what
    // that record produced, so "nothing" is told apart from the next record's output, at about a
    // quarter of the cost of dot-sourcing the block once per record. The do/while gives a stray
    // break or continue in the block a loop to end (the record then yields what it had output)
    // instead of tearing down the steppable pipeline.
    private const string Driver = """
        param($__records, $__results, $__block)
        $__step = { & $__block }.GetSteppablePipeline()
        try {
            $__step.Begin($true)
            foreach ($__record in $__records) { $__results.Add($__step.Process($__record)) }
            $null = $__step.End()
        }
        finally {
            $__step.Dispose()
        }
        """;

    private const int MaxForwardedMessages = 5;

    private readonly Runspace _runspace;
    private readonly PowerShell _shell;
    private readonly List<PSObject> _records = [];
    private readonly List<object?> _results = [];
    private readonly string _name;
    private readonly AgentLog _log;

    public ScriptRunner(string script, System.Collections.Hashtable? usingValues, string instanceName, AgentLog log)
    {
        _name = instanceName;
        _log = log;
        _runspace = RunspaceFactory.CreateRunspace(InitialSessionState.CreateDefault2());
        _runspace.ThreadOptions = PSThreadOptions.UseCurrentThread;
        _runspace.Name = $"CoreAgent filter {instanceName}";
        _runspace.Open();
        try
        {
            // Any error ends the chunk's invocation, so a record is never dropped because its
            // statement failed quietly; the chunk then passes unchanged.
            _runspace.SessionStateProxy.SetVariable("ErrorActionPreference", ActionPreference.Stop);
            var names = UsingValues.Names(script);
            foreach (var name in names)
                _runspace.SessionStateProxy.SetVariable(UsingValues.VariableFor(names, name), usingValues?[name]);
            var block = CreateBlock(UsingValues.Rewrite(script));
            _shell = PowerShell.Create();
            _shell.Runspace = _runspace;
            _shell.AddScript(Driver).AddArgument(_records).AddArgument(_results).AddArgument(block);
        }
        catch
        {
            _runspace.Dispose();
            throw;
        }
    }

    /// <summary>
    /// The block is created inside the filter's runspace, so it runs in that session state. The
    /// user's text starts on the wrapper's first line, so line numbers in errors are the user's.
    /// </summary>
    private ScriptBlock CreateBlock(string script)
    {
        using var create = PowerShell.Create();
        create.Runspace = _runspace;
        create.AddScript("param([string] $text) [scriptblock]::Create($text)").AddArgument($"process {{ do {{ {script}\n}} while ($false) }}");
        var created = create.Invoke();
        if (created.Count != 1 || created[0]?.BaseObject is not ScriptBlock block)
            throw new ScriptFailedException("the script could not be compiled");
        return block;
    }

    /// <summary>Runs the block over the records; returns each record's output, in order.</summary>
    public IReadOnlyList<object?[]> Run(IReadOnlyList<PSObject> records)
    {
        _records.Clear();
        _records.AddRange(records);
        _results.Clear();
        try
        {
            _shell.Invoke();
            if (_shell.InvocationStateInfo.State == PSInvocationState.Stopped)
                throw new ScriptFailedException("the script was stopped because the pipeline is stopping");
            if (_shell.Streams.Error.Count > 0) throw new ScriptFailedException(Describe(_shell.Streams.Error[0]));
            if (_results.Count != records.Count)
                throw new ScriptFailedException($"the script ended after {_results.Count} of {records.Count} records (exit?)");
            return _results.Select(r => r as object?[] ?? []).ToList();
        }
        catch (RuntimeException ex)
        {
            throw new ScriptFailedException(ex.ErrorRecord is { } error ? Describe(error) : ex.Message, ex);
        }
        finally
        {
            Forward(_shell.Streams.Warning, LogLevel.Warn);
            Forward(_shell.Streams.Information, LogLevel.Info);
            _shell.Streams.ClearStreams();
            _records.Clear();
            _results.Clear();
        }
    }

    /// <summary>Stops a running invocation from another thread (the pipeline is stopping).</summary>
    public void Stop()
    {
        try { _shell.Stop(); }
        catch (Exception ex) when (ex is ObjectDisposedException or InvalidOperationException) { }
    }

    private static string Describe(ErrorRecord error)
    {
        int line = error.InvocationInfo?.ScriptLineNumber ?? 0;
        return line > 0 ? $"{error} (line {line} of the script)" : error.ToString();
    }

    /// <summary>A few of the messages the block wrote per chunk go to the pipeline log; a block that writes per record would flood it.</summary>
    private void Forward<T>(PSDataCollection<T> messages, LogLevel level)
    {
        if (messages.Count == 0) return;
        foreach (var message in messages.Take(MaxForwardedMessages))
            _log.Write(level, "filter", $"{_name}: {message}");
        if (messages.Count > MaxForwardedMessages)
            _log.Write(level, "filter", $"{_name}: ... and {messages.Count - MaxForwardedMessages} more messages from this chunk");
    }

    public void Dispose()
    {
        _shell.Dispose();
        _runspace.Dispose();
    }
}

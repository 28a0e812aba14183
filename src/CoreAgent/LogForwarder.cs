using System.Collections.Concurrent;
using System.Management.Automation;
using CoreAgent.Engine.Logging;

namespace CoreAgent.Commands;

/// <summary>
/// Engine threads log at any time, but a cmdlet can write only from its own thread: entries are
/// queued here and written to the warning, verbose and debug streams when the cmdlet drains them.
/// </summary>
internal sealed class LogForwarder : IDisposable
{
    private readonly BlockingCollection<LogEntry> _entries = new(new ConcurrentQueue<LogEntry>(), 10_000);
    private readonly List<AgentLog> _logs = [];

    public void Attach(AgentLog log)
    {
        log.Written += Enqueue;
        _logs.Add(log);
    }

    private void Enqueue(LogEntry entry) => _entries.TryAdd(entry);

    /// <summary>Writes every queued entry through the cmdlet.</summary>
    public void Drain(Cmdlet cmdlet)
    {
        // On a compiled cmdlet, -Debug without -Verbose makes PowerShell inquire on every verbose
        // line (a "Continue with this operation?" prompt, or a NullReferenceException where there is
        // no terminal). -Debug is CoreAgent's fluent-bit -v: the info lines then go to the debug
        // stream with the debug lines, which -Debug shows without asking.
        bool infoAsDebug = cmdlet is PSCmdlet ps && ps.MyInvocation.BoundParameters.ContainsKey("Debug")
            && !ps.MyInvocation.BoundParameters.ContainsKey("Verbose");
        while (_entries.TryTake(out var entry))
        {
            string text = $"[{entry.Source}] {entry.Message}";
            switch (entry.Level)
            {
                case LogLevel.Error:
                case LogLevel.Warn:
                    cmdlet.WriteWarning(text);
                    break;
                case LogLevel.Info when !infoAsDebug:
                    cmdlet.WriteVerbose(text);
                    break;
                default:
                    cmdlet.WriteDebug(text);
                    break;
            }
        }
    }

    public void Dispose()
    {
        foreach (var log in _logs) log.Written -= Enqueue;
        _logs.Clear();
    }
}

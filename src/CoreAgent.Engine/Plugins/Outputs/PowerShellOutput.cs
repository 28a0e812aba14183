using CoreAgent.Engine.Logging;
using CoreAgent.Engine.Pipeline;
using CoreAgent.Engine.Plugins.Properties;
using CoreAgent.Engine.Records;

namespace CoreAgent.Engine.Plugins.Outputs;

/// <summary>
/// The powershell output: keeps copies of the events it receives in a bounded <see cref="RecordBuffer"/>
/// that the session drains (Receive-AgentRecord, Start-AgentPipeline -Wait -PassThru). The flush
/// always succeeds; when nobody takes the records, the oldest are dropped, counted in
/// dropped_records (and taken off proc_records and proc_bytes, which count what was kept), and a warning is logged once per burst of drops (a burst ends when someone
/// takes records).
/// </summary>
public sealed class PowerShellOutput : IOutputPlugin, IReportsDroppedRecords
{
    public const int DefaultBufferRecords = 10_000;

    public static PluginDescriptor Descriptor { get; } = new()
    {
        Name = "powershell",
        Description = "Hand records to the PowerShell session (Receive-AgentRecord)",
        Type = PluginType.Output,
        CreateOutput = () => new PowerShellOutput(),
        Properties =
        [
            new("buffer_records", PropertyType.Integer, DefaultBufferRecords.ToString(),
                "Records kept until received; when full, the oldest are dropped and counted in dropped_records."),
        ],
    };

    private readonly object _dropGate = new();
    private Action<long, long>? _countDropped;
    private OutputContext? _context;
    private long _takesAtLastWarning = -1;

    /// <summary>The records waiting to be received. It exists before Init, so a host can hold it early.</summary>
    public RecordBuffer Buffer { get; } = new(DefaultBufferRecords);

    /// <summary>The buffer of a pipeline's output instance, or null when the instance is not a powershell output.</summary>
    public static RecordBuffer? BufferOf(OutputInstance output) => (output.Instance as PowerShellOutput)?.Buffer;

    void IReportsDroppedRecords.AttachDropCounter(Action<long, long> countDropped) => _countDropped = countDropped;

    public void Init(OutputContext context)
    {
        _context = context;
        long capacity = context.GetInteger("buffer_records", DefaultBufferRecords);
        if (capacity < 1 || capacity > int.MaxValue) throw new PropertyException("buffer_records", $"'{capacity}' must be between 1 and {int.MaxValue}");
        Buffer.Capacity = (int)capacity;
    }

    public FlushResult Flush(Chunk chunk)
    {
        int dropped = Buffer.Add(chunk.Tag, chunk.Span, chunk.RecordCount, out long droppedBytes);
        if (dropped > 0) OnDropped(dropped, droppedBytes);
        return FlushResult.Ok;
    }

    public void Exit() => Buffer.Complete();

    private void OnDropped(int dropped, long droppedBytes)
    {
        _countDropped?.Invoke(dropped, droppedBytes);
        lock (_dropGate)
        {
            long takes = Buffer.Takes;
            if (takes == _takesAtLastWarning) return; // the same burst: nobody has taken anything since the warning
            _takesAtLastWarning = takes;
        }
        var log = _context?.Log ?? AgentLog.Null;
        log.Warn("output", $"{_context?.InstanceName ?? "powershell"} dropped {dropped} records nobody received " +
            $"(buffer_records {Buffer.Capacity}; take them with Receive-AgentRecord, or raise buffer_records)");
    }
}

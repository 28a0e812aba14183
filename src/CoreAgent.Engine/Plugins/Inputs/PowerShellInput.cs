using CoreAgent.Engine.Pipeline;

namespace CoreAgent.Engine.Plugins.Inputs;

/// <summary>
/// The powershell input: produces nothing by itself. The session appends events through its
/// <see cref="RecordWriter"/> (Send-AgentRecord). Its thread only seals the chunks of records sent
/// under another tag (the engine's flush timer seals the input's own chunk) and, when the pipeline
/// stops, closes the writer so that no record is accepted that would not be delivered.
/// </summary>
public sealed class PowerShellInput : IInputPlugin
{
    public static PluginDescriptor Descriptor { get; } = new()
    {
        Name = "powershell",
        Description = "Records sent from the PowerShell session (Send-AgentRecord)",
        Type = PluginType.Input,
        CreateInput = () => new PowerShellInput(),
    };

    private readonly object _gate = new();
    private RecordWriter? _writer;
    private bool _stopped;
    private bool _initialized;
    private long _sealIntervalTicks = TimeSpan.TicksPerSecond;

    /// <summary>
    /// The writer of a pipeline's input instance, or null when the instance is not a powershell input.
    /// Throws <see cref="InvalidOperationException"/> when the pipeline has not started it yet.
    /// </summary>
    public static RecordWriter? WriterOf(AgentPipeline pipeline, InputInstance input) =>
        input.Instance is PowerShellInput plugin ? plugin.WriterFor(input, TimeSpan.FromSeconds(pipeline.Service.FlushSeconds)) : null;

    public void Init(InputContext context)
    {
        lock (_gate) _initialized = true;
    }

    public void Run(CancellationToken cancellation)
    {
        try
        {
            while (!cancellation.WaitHandle.WaitOne(TimeSpan.FromTicks(Interlocked.Read(ref _sealIntervalTicks))))
            {
                Writer()?.SealTagged();
            }
        }
        finally
        {
            RecordWriter? writer;
            lock (_gate)
            {
                _stopped = true;
                writer = _writer;
            }
            writer?.Close();
        }
    }

    private RecordWriter? Writer()
    {
        lock (_gate) return _writer;
    }

    private RecordWriter WriterFor(InputInstance input, TimeSpan sealInterval)
    {
        lock (_gate)
        {
            if (!_initialized) throw new InvalidOperationException($"input {input.Name} has not been started");
            if (_writer is null)
            {
                if (sealInterval > TimeSpan.Zero) Interlocked.Exchange(ref _sealIntervalTicks, sealInterval.Ticks);
                _writer = new RecordWriter(input, closed: _stopped);
            }
            return _writer;
        }
    }
}

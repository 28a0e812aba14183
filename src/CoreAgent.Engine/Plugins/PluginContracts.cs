using CoreAgent.Engine.Logging;
using CoreAgent.Engine.Pipeline;
using CoreAgent.Engine.Plugins.Properties;
using CoreAgent.Engine.Records;

namespace CoreAgent.Engine.Plugins;

public enum PluginType { Input = 1, Filter = 3, Output = 2 }

/// <summary>What an output returns for one chunk; the values are Fluent Bit's FLB_ERROR, FLB_OK, FLB_RETRY.</summary>
public enum FlushResult { Error = 0, Ok = 1, Retry = 2 }

/// <summary>What every plugin instance is given: its name, its settings and the log.</summary>
public class PluginContext(string instanceName, PluginProperties properties, AgentLog log)
{
    public string InstanceName { get; } = instanceName;
    public PluginProperties Properties { get; } = properties;
    public AgentLog Log { get; } = log;

    public string GetString(string key, string fallback) => Properties.Get(key) ?? fallback;

    public long GetInteger(string key, long fallback) =>
        Properties.Get(key) is { } v ? PropertyValues.ParseInteger(key, v) : fallback;

    public double GetDouble(string key, double fallback) =>
        Properties.Get(key) is { } v ? PropertyValues.ParseDouble(key, v) : fallback;

    public bool GetBool(string key, bool fallback) =>
        Properties.Get(key) is { } v ? PropertyValues.ParseBool(key, v) : fallback;
}

public sealed class InputContext(string instanceName, PluginProperties properties, AgentLog log, RecordEmitter emitter)
    : PluginContext(instanceName, properties, log)
{
    /// <summary>Where the input writes its records.</summary>
    public RecordEmitter Emitter { get; } = emitter;
}

public sealed class OutputContext(string instanceName, PluginProperties properties, AgentLog log, Guid pipelineId)
    : PluginContext(instanceName, properties, log)
{
    /// <summary>Identifies the pipeline run, for plugins whose exit is per library rather than per instance.</summary>
    public Guid PipelineId { get; } = pipelineId;
}

/// <summary>An input: Init once, then Run on its own thread until cancelled (or until it has nothing more to produce).</summary>
public interface IInputPlugin
{
    void Init(InputContext context);
    void Run(CancellationToken cancellation);
}

/// <summary>An output: Init once, Flush per chunk (concurrently when workers &gt; 1), Exit once.</summary>
public interface IOutputPlugin
{
    void Init(OutputContext context);
    FlushResult Flush(Chunk chunk);
    void Exit();
}

/// <summary>A plugin could not start or was configured wrongly.</summary>
public class PluginException(string message, Exception? inner = null) : Exception(message, inner);

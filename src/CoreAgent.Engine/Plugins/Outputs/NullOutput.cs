using CoreAgent.Engine.Records;

namespace CoreAgent.Engine.Plugins.Outputs;

/// <summary>The null output: accepts and discards every chunk.</summary>
public sealed class NullOutput : IOutputPlugin
{
    public static PluginDescriptor Descriptor { get; } = new()
    {
        Name = "null",
        Description = "Throws away events",
        Type = PluginType.Output,
        CreateOutput = () => new NullOutput(),
    };

    public void Init(OutputContext context) { }

    public FlushResult Flush(Chunk chunk) => FlushResult.Ok;

    public void Exit() { }
}

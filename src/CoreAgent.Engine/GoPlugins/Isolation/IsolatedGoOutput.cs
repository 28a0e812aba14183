using CoreAgent.Engine.Plugins;
using CoreAgent.Engine.Records;

namespace CoreAgent.Engine.GoPlugins.Isolation;

/// <summary>One Go output instance that runs in a plugin host.</summary>
internal sealed class IsolatedGoOutput(string path, string pluginName, OutputContext context)
    : IsolatedInstance(path, pluginName, context, context.PipelineId)
{
    private HostSupervisor? _supervisor;

    public override bool IsInput => false;
    public HostSupervisor? Supervisor => _supervisor;

    public void Init() => _supervisor = HostSupervisor.AcquireAndInit(this);

    public (FlushResult Result, string? Error) Flush(Chunk chunk) =>
        _supervisor?.Flush(this, chunk) ?? (FlushResult.Error, "the instance is not initialised");

    public void Exit()
    {
        var supervisor = Interlocked.Exchange(ref _supervisor, null);
        if (supervisor?.Exit(this) is { } keys) RequestedKeys = keys;
    }
}

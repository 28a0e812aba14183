using CoreAgent.Engine.Plugins;

namespace CoreAgent.Engine.GoPlugins.Isolation;

/// <summary>
/// One Go input instance that runs in a plugin host: each collect is a request the host answers
/// with the callback's result and the plugin's msgpack bytes, unchanged.
/// </summary>
internal sealed class IsolatedGoInput(string path, string pluginName, InputContext context, Guid pipelineId)
    : IsolatedInstance(path, pluginName, context, pipelineId)
{
    private HostSupervisor? _supervisor;

    public override bool IsInput => true;
    public HostSupervisor? Supervisor => _supervisor;

    public void Init() => _supervisor = HostSupervisor.AcquireAndInit(this);

    /// <summary>One collect callback in the host; see <see cref="HostSupervisor.Collect"/>.</summary>
    public HostCollect Collect(CancellationToken cancellation) =>
        _supervisor?.Collect(this, cancellation) ?? new HostCollect(CollectState.GivenUp, 0, default, "the instance is not initialised");

    public void Exit()
    {
        var supervisor = Interlocked.Exchange(ref _supervisor, null);
        if (supervisor?.Exit(this) is { } keys) RequestedKeys = keys;
    }
}

internal enum CollectState { Ok, HostLost, Stopped, GivenUp }

/// <summary>What one collect in the host gave: the plugin's result and its bytes (a slice of the reply frame).</summary>
internal readonly record struct HostCollect(CollectState State, long Result, ReadOnlyMemory<byte> Events, string? Error);

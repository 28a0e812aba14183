using System.Collections.Concurrent;
using CoreAgent.Engine.GoPlugins;
using CoreAgent.Engine.Logging;
using CoreAgent.Engine.Plugins;

namespace CoreAgent.Commands;

/// <summary>
/// What the module keeps for the PowerShell process: the plugin catalog (built-ins plus imported Go
/// plugins, which cannot be unloaded) and the pipelines created in it.
/// </summary>
internal static class AgentSession
{
    private static readonly ConcurrentDictionary<Guid, AgentPipelineInfo> PipelinesById = new();

    static AgentSession()
    {
        Log = new AgentLog();
        GoPluginLibrary.PluginLog = Log;
        AppDomain.CurrentDomain.ProcessExit += (_, _) => StopAll();
    }

    public static PluginCatalog Catalog { get; } = PluginCatalog.CreateDefault();

    /// <summary>The log for plugin messages that belong to no pipeline (Go log_print, loader repairs).</summary>
    public static AgentLog Log { get; }

    public static IEnumerable<AgentPipelineInfo> Pipelines => PipelinesById.Values.OrderBy(p => p.CreatedAt);

    public static void Add(AgentPipelineInfo pipeline)
    {
        PipelinesById[pipeline.Id] = pipeline;
        SignalShutdown.EnsureRegistered();
    }

    public static bool Remove(AgentPipelineInfo pipeline) => PipelinesById.TryRemove(pipeline.Id, out _);

    /// <summary>At process exit: stop every pipeline gracefully (all at once, so the wait is one Grace), then let each Go library unregister.</summary>
    internal static void StopAll()
    {
        // In parallel: a hung plugin in one pipeline must not add its grace period to every other's.
        var stops = PipelinesById.Values.Select(p => Task.Run(() =>
        {
            try { p.Engine.Stop(); }
            catch { /* the process is exiting */ }
        })).ToArray();
        try { Task.WaitAll(stops); }
        catch (AggregateException) { /* the process is exiting */ }
        foreach (var library in GoPluginLibrary.All)
        {
            try { library.Release(); }
            catch { /* the process is exiting */ }
        }
    }
}

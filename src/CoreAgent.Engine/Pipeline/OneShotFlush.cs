using System.Diagnostics;
using CoreAgent.Engine.GoPlugins;
using CoreAgent.Engine.Logging;
using CoreAgent.Engine.Plugins;
using CoreAgent.Engine.Plugins.Properties;
using CoreAgent.Engine.Records;

namespace CoreAgent.Engine.Pipeline;

/// <summary>What one Init, Flush, Exit of an output did.</summary>
public sealed record OneShotFlushResult(
    string Plugin,
    string Instance,
    FlushResult Result,
    int Records,
    int Bytes,
    TimeSpan Duration,
    IReadOnlyList<string> RequestedKeys,
    string? FlushError);

/// <summary>
/// Runs one output instance outside any pipeline: Init with the given properties, one Flush of the
/// given events as one chunk, then Exit (PreExit first for a Go plugin), as a pipeline would. For
/// plugin authors who want to test an output without inputs, routing or retries.
/// </summary>
public static class OneShotFlush
{
    /// <summary>Flushes <paramref name="events"/> (a concatenation of events) once, under <paramref name="tag"/>.</summary>
    /// <exception cref="PipelineBuildException">A property is unknown to a built-in plugin or has a bad value.</exception>
    /// <exception cref="PluginException">The plugin's Init failed; it was not flushed, and not exited.</exception>
    /// <exception cref="FormatException">The bytes are not Fluent Bit events.</exception>
    public static OneShotFlushResult Run(PluginDescriptor plugin, PluginProperties properties, string tag, ReadOnlyMemory<byte> events, AgentLog? log = null)
    {
        if (plugin.Type != PluginType.Output || plugin.CreateOutput is null)
            throw new ArgumentException($"'{plugin.Name}' is not an output plugin", nameof(plugin));
        Validate(plugin, properties);
        int records = EventReader.ReadAll(events).Count;
        log ??= AgentLog.Null;
        string instanceName = properties.Get("alias") is { Length: > 0 } alias ? alias : $"{plugin.Name}.0";

        var output = plugin.CreateOutput();
        try
        {
            output.Init(new OutputContext(instanceName, properties, log, Guid.NewGuid()));
        }
        catch (Exception ex) when (ex is not PluginException)
        {
            throw new PluginException($"{instanceName}: init failed: {ex.Message}", ex);
        }

        var result = FlushResult.Ok;
        string? flushError = null;
        var clock = Stopwatch.StartNew();
        try
        {
            if (records > 0) result = Flush(output, tag, events, records, out flushError);
        }
        finally
        {
            clock.Stop();
            Exit(output, instanceName, log);
        }
        var keys = output is GoOutput go ? go.RequestedKeys.ToArray() : [];
        // An isolated plugin that crashed: its panic text is the answer a plugin author wants.
        if (output is GoOutput { LastFlushError: { } hostError } && result != FlushResult.Ok) flushError ??= hostError;
        return new OneShotFlushResult(plugin.Name, instanceName, result, records, events.Length, clock.Elapsed, keys, flushError);
    }

    private static FlushResult Flush(IOutputPlugin output, string tag, ReadOnlyMemory<byte> events, int records, out string? error)
    {
        var chunk = Chunk.FromBytes(tag, events.Span, records);
        error = null;
        try
        {
            var result = output.Flush(chunk);
            return Enum.IsDefined(result) ? result : FlushResult.Error;
        }
        catch (Exception ex)
        {
            error = ex.Message;
            return FlushResult.Error;
        }
        finally
        {
            chunk.SetReferences(0, null); // back to the pool
        }
    }

    private static void Exit(IOutputPlugin output, string instanceName, AgentLog log)
    {
        try
        {
            if (output is GoOutput go) go.PreExit();
            output.Exit();
        }
        catch (Exception ex)
        {
            log.Error("engine", $"{instanceName}: exit failed: {ex.Message}");
        }
    }

    private static void Validate(PluginDescriptor plugin, PluginProperties properties)
    {
        var allowed = new Dictionary<string, PropertySpec>(StringComparer.OrdinalIgnoreCase);
        foreach (var spec in CommonProperties.Output.Concat(plugin.Properties)) allowed[spec.Name] = spec;
        var problems = new List<PipelineProblem>();
        foreach (var property in properties)
        {
            if (allowed.TryGetValue(property.Key, out var spec))
            {
                if (spec.Validate(property.Value) is { } error)
                    problems.Add(new PipelineProblem($"{plugin.Name}: property '{property.Key}': {error}", property.Location, property.Key));
            }
            else if (!plugin.AcceptsAnyProperty)
            {
                var names = string.Join(", ", plugin.Properties.Select(p => p.Name).Concat(CommonProperties.Output.Select(p => p.Name).Where(n => n != "name")));
                problems.Add(new PipelineProblem($"{plugin.Name}: unknown property '{property.Key}' (allowed: {names})", property.Location, property.Key, ProblemCodes.UnknownProperty));
            }
        }
        if (problems.Count > 0) throw new PipelineBuildException(problems);
    }
}

using CoreAgent.Engine.Config;
using CoreAgent.Engine.GoPlugins;
using CoreAgent.Engine.Logging;
using CoreAgent.Engine.Pipeline;
using CoreAgent.Engine.Pipeline.Rehearsal;
using CoreAgent.Engine.Plugins;
using CoreAgent.Engine.Plugins.Properties;

namespace CoreAgent.Engine.Validation;

/// <summary>
/// Checks a configuration beyond its syntax: loads the Go plugins it names, checks plugin names,
/// properties and values against the catalog, and the routing; with probing, initialises each Go
/// output with its section's settings to see which keys it reads. Returns every finding, never throws
/// for a bad configuration.
/// </summary>
public static class ConfigChecker
{
    /// <param name="standInMissingPlugins">
    /// For a rehearsal (Test-AgentPipeline): when a Go plugin the configuration names is missing,
    /// input and output names the catalog does not know are taken to be that plugin's
    /// (<see cref="StandInPlugins"/>) rather than reported as unknown plugins.
    /// </param>
    public static IReadOnlyList<ConfigFinding> Check(ConfigLoadResult loaded, PluginCatalog catalog, bool probePlugins = false,
        IEnumerable<string>? extraPluginPaths = null, bool standInMissingPlugins = false)
    {
        var findings = new List<ConfigFinding>(loaded.Findings);
        string? mainFile = loaded.FilesRead.FirstOrDefault();
        var definition = loaded.Definition;

        foreach (var path in (extraPluginPaths ?? []).Concat(definition.PluginPaths).Distinct())
        {
            if (!File.Exists(path)) continue; // the readers already reported plugin-path-not-found
            try
            {
                catalog.ImportGo(path);
            }
            catch (GoPluginLoadException ex)
            {
                findings.Add(new ConfigFinding(ConfigSeverity.Error, ProblemCodes.PluginLoadFailed, ex.Message, mainFile, 0, "PLUGINS", "path"));
            }
        }

        var log = new AgentLog { Level = LogLevel.Off };
        AgentPipeline pipeline;
        try
        {
            var buildCatalog = standInMissingPlugins && StandInPlugins.AnyMissing(loaded, extraPluginPaths)
                ? StandInPlugins.With(definition, catalog)
                : catalog;
            pipeline = AgentPipeline.Build(definition, buildCatalog, log);
        }
        catch (PipelineBuildException ex)
        {
            findings.AddRange(ex.Problems
                .Where(p => !(p.Code is ProblemCodes.NoInput or ProblemCodes.NoOutput) || !loaded.HasErrors)
                // Bad parsers were reported by the readers already, with the same words.
                .Where(p => !loaded.Findings.Any(f => f.Code == p.Code && f.Message == p.Message && f.Line == (p.Location?.Line ?? 0)))
                // Fluent Bit's --dry-run passes a file without inputs or outputs; only a start refuses it.
                .Select(p => p.Code is ProblemCodes.NoInput or ProblemCodes.NoOutput
                    ? new ConfigFinding(ConfigSeverity.Warning, p.Code, $"{p.Message}: Fluent Bit's --dry-run accepts this, but Start-AgentPipeline refuses it", mainFile, 0, null, null)
                    : new ConfigFinding(ConfigSeverity.Error, p.Code, p.Message, p.Location?.File ?? mainFile, p.Location?.Line ?? 0, SectionOf(p, definition), p.Key)));
            AddWarnings(ex.Warnings, definition, mainFile, findings);
            return Sorted(findings, loaded);
        }

        AddWarnings(pipeline.BuildWarnings, definition, mainFile, findings);
        CheckRouting(pipeline, definition, findings);
        CheckListenDefaults(pipeline, definition, findings);
        if (probePlugins) Probe(pipeline, definition, findings);
        return Sorted(findings, loaded);
    }

    private static void CheckRouting(AgentPipeline pipeline, PipelineDefinition definition, List<ConfigFinding> findings)
    {
        for (int i = 0; i < pipeline.Outputs.Count; i++)
        {
            var output = pipeline.Outputs[i];
            if (pipeline.Inputs.Any(input => output.Matcher.Matches(input.Tag))) continue;
            var location = definition.Outputs[i].Location;
            findings.Add(new ConfigFinding(ConfigSeverity.Warning, ProblemCodes.OutputMatchesNothing,
                $"output {output.Name} (match {output.Matcher}) matches the tag of no input: it will receive nothing",
                location?.File, location?.Line ?? 0, "OUTPUT", output.Matcher.IsEmpty ? "match" : null));
        }
        for (int i = 0; i < pipeline.Inputs.Count; i++)
        {
            var input = pipeline.Inputs[i];
            if (!input.Routable || pipeline.Outputs.Any(o => o.Matcher.Matches(input.Tag))) continue;
            var location = definition.Inputs[i].Location;
            findings.Add(new ConfigFinding(ConfigSeverity.Warning, ProblemCodes.InputRoutesNowhere,
                $"no output matches the tag '{input.Tag}' of input {input.Name}: its records are discarded",
                location?.File, location?.Line ?? 0, "INPUT", "tag"));
        }
    }

    // Fluent Bit's network inputs listen on 0.0.0.0 by default, CoreAgent's on loopback: say so where a file relies on it.
    private static void CheckListenDefaults(AgentPipeline pipeline, PipelineDefinition definition, List<ConfigFinding> findings)
    {
        for (int i = 0; i < pipeline.Inputs.Count; i++)
        {
            var input = pipeline.Inputs[i];
            var spec = definition.Inputs[i];
            if (!input.Plugin.Properties.Any(p => p.Name == "listen")) continue;
            if (spec.Properties.Contains("listen") || spec.Properties.Get("unix_path") is { Length: > 0 }) continue;
            if (input.Plugin.Name == "syslog" && spec.Properties.Get("mode")?.Trim().ToLowerInvariant() is "unix_udp" or "unix_tcp") continue;
            findings.Add(new ConfigFinding(ConfigSeverity.Information, ProblemCodes.ListenDefaultLoopback,
                $"input {input.Name} sets no Listen: CoreAgent listens on {Net.ServerEndpoint.DefaultListen} (loopback only), where Fluent Bit listens on 0.0.0.0; set Listen 0.0.0.0 to accept remote peers",
                spec.Location?.File, spec.Location?.Line ?? 0, "INPUT", "listen"));
        }
    }

    /// <summary>Initialises each Go input and output with its settings, records the keys it reads, then exits it again; no record is collected or flushed.</summary>
    private static void Probe(AgentPipeline pipeline, PipelineDefinition definition, List<ConfigFinding> findings)
    {
        var probeRun = Guid.NewGuid();
        var quiet = new AgentLog { Level = LogLevel.Off };
        for (int i = 0; i < pipeline.Inputs.Count; i++)
        {
            if (pipeline.Inputs[i].Plugin.CreateInput!() is not GoInputPlugin plugin) continue;
            var input = pipeline.Inputs[i];
            ProbeOne(definition.Inputs[i], input.Name, "INPUT", plugin.PluginName, findings,
                () => plugin.Init(new InputContext(input.Name, definition.Inputs[i].Properties, quiet, input.Emitter) { PipelineId = probeRun }),
                () => plugin.Exit(), () => (plugin.RequestedKeys, plugin.Isolation));
        }
        for (int i = 0; i < pipeline.Outputs.Count; i++)
        {
            if (pipeline.Outputs[i].Plugin.CreateOutput!() is not GoOutput plugin) continue;
            string name = pipeline.Outputs[i].Name;
            ProbeOne(definition.Outputs[i], name, "OUTPUT", plugin.PluginName, findings,
                () => plugin.Init(new OutputContext(name, definition.Outputs[i].Properties, quiet, probeRun)),
                () => plugin.Exit(), () => (plugin.RequestedKeys, plugin.Isolation));
        }
    }

    private static void ProbeOne(PluginInstanceSpec spec, string name, string section, string pluginName, List<ConfigFinding> findings,
        Action init, Action exit, Func<(IReadOnlyCollection<string> Keys, GoIsolation Isolation)> read)
    {
        var file = spec.Location?.File;
        int line = spec.Location?.Line ?? 0;
        try
        {
            init();
        }
        catch (PluginException ex)
        {
            findings.Add(new ConfigFinding(ConfigSeverity.Error, ProblemCodes.PluginInitFailed, ex.Message, file, line, section, null));
            return;
        }
        exit(); // an isolated plugin reports the keys it read when it exits
        var (keys, isolation) = read();
        findings.Add(new ConfigFinding(ConfigSeverity.Information, ProblemCodes.PluginKeysRead,
            $"{name} ({pluginName}, isolation {isolation.ToString().ToLowerInvariant()}) reads: {(keys.Count == 0 ? "no keys" : string.Join(", ", keys))}", file, line, section, null));
        foreach (var key in keys.Where(CommonProperties.IsReserved))
        {
            var where = spec.Properties.Find(key)?.Location;
            findings.Add(new ConfigFinding(ConfigSeverity.Warning, ProblemCodes.ReservedKeyRead,
                $"{name}: plugin '{pluginName}' reads '{key}', a key the engine reserves: it always gets \"\"",
                where?.File ?? file, where?.Line ?? line, section, key));
        }
    }

    /// <summary>Settings without effect, fallback values and unknown [SERVICE] keys: warnings, shown with the errors when there are any.</summary>
    private static void AddWarnings(IReadOnlyList<PipelineProblem> warnings, PipelineDefinition definition, string mainFile, List<ConfigFinding> findings)
    {
        foreach (var warning in warnings)
            findings.Add(new ConfigFinding(ConfigSeverity.Warning, warning.Code, warning.Message, warning.Location?.File ?? mainFile, warning.Location?.Line ?? 0,
                SectionOf(warning, definition), warning.Key));
        foreach (var key in ServiceSettings.UnknownKeys(definition.Service))
        {
            string hint = NameSuggestion.Closest(key.Key, ServiceSettings.Specs.Select(s => s.Name)) is { } meant ? $": did you mean '{meant}'?" : "";
            findings.Add(new ConfigFinding(ConfigSeverity.Warning, ProblemCodes.UnknownServiceKey,
                $"[SERVICE] key '{key.Key}' is not known to CoreAgent and is ignored{hint}", key.Location?.File ?? mainFile, key.Location?.Line ?? 0, "SERVICE", key.Key));
        }
    }

    private static string? SectionOf(PipelineProblem problem, PipelineDefinition definition)
    {
        if (problem.Message.StartsWith("[SERVICE]")) return "SERVICE";
        if (problem.Location is null) return null;
        if (Contains(definition.Inputs, problem.Location)) return "INPUT";
        if (Contains(definition.Filters, problem.Location)) return "FILTER";
        if (Contains(definition.Outputs, problem.Location)) return "OUTPUT";
        return null;
    }

    private static bool Contains(List<PluginInstanceSpec> specs, SourceLocation location) =>
        specs.Any(s => s.Location == location || s.Properties.Any(p => p.Location == location));

    private static List<ConfigFinding> Sorted(List<ConfigFinding> findings, ConfigLoadResult loaded)
    {
        var order = loaded.FilesRead.Select((f, i) => (f, i)).ToDictionary(x => x.f, x => x.i);
        return findings
            .OrderBy(f => f.File is not null && order.TryGetValue(f.File, out var i) ? i : int.MaxValue)
            .ThenBy(f => f.Line)
            .ToList();
    }
}

using CoreAgent.Engine.Logging;
using CoreAgent.Engine.Parsers;
using CoreAgent.Engine.Plugins;
using CoreAgent.Engine.Plugins.Properties;

namespace CoreAgent.Engine.Pipeline;

/// <summary>A problem found while building a pipeline: what is wrong, where, and a stable code (see <see cref="ProblemCodes"/>).</summary>
public sealed record PipelineProblem(string Message, SourceLocation? Location, string? Key, string Code = ProblemCodes.BadValue)
{
    public override string ToString() => Location is null ? Message : $"{Location}: {Message}";
}

/// <summary>The definition is invalid; every problem is listed, not just the first.</summary>
public sealed class PipelineBuildException(IReadOnlyList<PipelineProblem> problems, IReadOnlyList<PipelineProblem>? warnings = null)
    : Exception("the pipeline is not valid:" + Environment.NewLine + string.Join(Environment.NewLine, problems.Select(p => "  " + p)))
{
    public IReadOnlyList<PipelineProblem> Problems { get; } = problems;

    /// <summary>What the build found worth a warning before it failed, so that a check can show every finding at once.</summary>
    public IReadOnlyList<PipelineProblem> Warnings { get; } = warnings ?? [];
}

/// <summary>
/// Checks a <see cref="PipelineDefinition"/> against the catalog (plugin names, property names and
/// value types) and names the instances, as Fluent Bit does: alias, else &lt;plugin&gt;.&lt;n&gt;, counted
/// separately for inputs, filters and outputs.
/// </summary>
internal static class PipelineBuilder
{
    public sealed record ResolvedInstance(PluginInstanceSpec Spec, PluginDescriptor Plugin, string Name);

    /// <param name="Warnings">Settings that are valid but that the user should hear about: no effect, a fallback value.</param>
    public sealed record Resolved(ServiceSettings Service, List<ResolvedInstance> Inputs, List<ResolvedInstance> Filters, List<ResolvedInstance> Outputs,
        ParserRegistry Parsers, IReadOnlyList<PipelineProblem> Warnings);

    public static Resolved Resolve(PipelineDefinition definition, PluginCatalog catalog, AgentLog? log = null)
    {
        var problems = new List<PipelineProblem>();
        var warnings = new List<PipelineProblem>();
        ServiceSettings service = new();
        foreach (var (property, advice) in ServiceSettings.Advice(definition.Service))
            warnings.Add(new PipelineProblem($"[SERVICE] {advice.Message}", property.Location, property.Key, advice.Code));
        var serviceProblems = ServiceSettings.Problems(definition.Service).ToList();
        foreach (var (property, error) in serviceProblems)
            problems.Add(new PipelineProblem($"[SERVICE] property '{property.Key}': {error}", property.Location, property.Key));
        if (serviceProblems.Count == 0)
        {
            try
            {
                service = ServiceSettings.From(definition.Service);
            }
            catch (PropertyException ex)
            {
                problems.Add(new PipelineProblem($"[SERVICE] {ex.Message}", definition.Service.Find(ex.Key)?.Location, ex.Key));
            }
        }

        var parsers = PipelineParsers.Build(definition, log, problems);
        var inputs = ResolveAll(definition.Inputs, PluginType.Input, catalog, problems, warnings);
        var filters = ResolveAll(definition.Filters, PluginType.Filter, catalog, problems, warnings);
        var outputs = ResolveAll(definition.Outputs, PluginType.Output, catalog, problems, warnings);
        foreach (var instance in inputs.Concat(filters).Concat(outputs)) PipelineParsers.CheckReferences(instance, parsers, problems);
        foreach (var filter in filters.Where(f => !HasMatch(f.Spec)))
        {
            // Fluent Bit refuses to start then; a filter never falls back to matching everything.
            problems.Add(new PipelineProblem($"{filter.Plugin.Name}: NO match rule for {filter.Name} filter instance: set Match or Match_Regex",
                filter.Spec.Location, "match", ProblemCodes.FilterWithoutMatch));
        }
        if (service.Storage.Path is null)
        {
            foreach (var input in inputs.Where(i => i.Spec.Properties.Get("storage.type")?.Trim().Equals("filesystem", StringComparison.OrdinalIgnoreCase) == true))
                problems.Add(new PipelineProblem($"{input.Plugin.Name}: {input.Name} has storage.type filesystem but [SERVICE] storage.path is not set",
                    input.Spec.Properties.Find("storage.type")?.Location ?? input.Spec.Location, "storage.type"));
        }
        if (definition.Inputs.Count == 0) problems.Add(new PipelineProblem("the pipeline has no input", null, null, ProblemCodes.NoInput));
        if (definition.Outputs.Count == 0) problems.Add(new PipelineProblem("the pipeline has no output", null, null, ProblemCodes.NoOutput));
        if (problems.Count > 0) throw new PipelineBuildException(problems, warnings);
        return new Resolved(service, inputs, filters, outputs, parsers.Parsers, warnings);
    }

    private static bool HasMatch(PluginInstanceSpec spec) =>
        spec.Properties.Get("match") is { Length: > 0 } || spec.Properties.Get("match_regex") is { Length: > 0 };

    private static List<ResolvedInstance> ResolveAll(List<PluginInstanceSpec> specs, PluginType type, PluginCatalog catalog, List<PipelineProblem> problems,
        List<PipelineProblem> warnings)
    {
        var resolved = new List<ResolvedInstance>();
        var perPlugin = new Dictionary<string, int>(StringComparer.OrdinalIgnoreCase);
        var names = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        string kind = type.ToString().ToLowerInvariant();
        foreach (var spec in specs)
        {
            var plugin = catalog.Find(spec.PluginName, type);
            if (plugin is null)
            {
                var known = string.Join(", ", catalog.All.Where(p => p.Type == type).Select(p => p.Name).Order());
                problems.Add(new PipelineProblem($"unknown {kind} plugin '{spec.PluginName}' (available: {known})", spec.Location, "name", ProblemCodes.UnknownPlugin));
                continue;
            }
            CheckProperties(spec, plugin, type, problems, warnings);
            // Fluent Bit numbers filters across every filter plugin (flb_filter.c: grep.0, modify.1, grep.2).
            int index = type == PluginType.Filter ? resolved.Count : perPlugin.GetValueOrDefault(plugin.Name);
            perPlugin[plugin.Name] = index + 1;
            string name = spec.Properties.Get("alias") is { Length: > 0 } alias ? alias : $"{plugin.Name}.{index}";
            if (!names.Add(name))
                problems.Add(new PipelineProblem($"{kind} instance name '{name}' is used twice", spec.Properties.Find("alias")?.Location ?? spec.Location, "alias", ProblemCodes.DuplicateName));
            resolved.Add(new ResolvedInstance(spec, plugin, name));
        }
        return resolved;
    }

    private static void CheckProperties(PluginInstanceSpec spec, PluginDescriptor plugin, PluginType type, List<PipelineProblem> problems,
        List<PipelineProblem> warnings)
    {
        var allowed = new Dictionary<string, PropertySpec>(StringComparer.OrdinalIgnoreCase);
        foreach (var p in CommonProperties.For(type)) allowed[p.Name] = p;
        foreach (var p in plugin.Properties) allowed[p.Name] = p;
        var reported = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        foreach (var property in spec.Properties)
        {
            if (!(allowed.TryGetValue(property.Key, out var multiSpec) && multiSpec.Multiple)
                && spec.Properties.CountOf(property.Key) > 1 && reported.Add(property.Key))
                problems.Add(new PipelineProblem($"{plugin.Name}: property '{property.Key}' is given {spec.Properties.CountOf(property.Key)} times; it takes a single value",
                    property.Location ?? spec.Location, property.Key));
            if (allowed.TryGetValue(property.Key, out var propertySpec))
            {
                if (propertySpec.Validate(property.Value) is { } error)
                    problems.Add(new PipelineProblem($"{plugin.Name}: property '{property.Key}': {error}", property.Location ?? spec.Location, property.Key));
                else if (propertySpec.Advise(property.Value) is { } advice)
                    warnings.Add(new PipelineProblem($"{plugin.Name}: {advice.Message}", property.Location ?? spec.Location, property.Key, advice.Code));
            }
            else if (!plugin.AcceptsAnyProperty)
            {
                var names = plugin.Properties.Select(p => p.Name).Concat(CommonProperties.For(type).Select(p => p.Name).Where(n => n != "name")).ToList();
                string hint = Config.NameSuggestion.Closest(property.Key, names) is { } meant ? $", did you mean '{meant}'?" : "";
                problems.Add(new PipelineProblem($"{plugin.Name}: unknown property '{property.Key}'{hint} (allowed: {string.Join(", ", names)})",
                    property.Location ?? spec.Location, property.Key, ProblemCodes.UnknownProperty));
            }
        }
        if (spec.Properties.Get("match_regex") is { } regex)
        {
            try { _ = new TagMatcher(null, regex); }
            catch (ArgumentException ex) { problems.Add(new PipelineProblem($"{plugin.Name}: match_regex is not a valid regular expression: {ex.Message}", spec.Properties.Find("match_regex")?.Location ?? spec.Location, "match_regex")); }
        }
    }
}

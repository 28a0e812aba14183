using System.Collections;
using System.Management.Automation;
using System.Management.Automation.Language;
using CoreAgent.Engine.Plugins;

namespace CoreAgent.Commands;

/// <summary>
/// Completes plugin names: built-in and imported. On -Input, -Filter and -Output only plugins of that
/// type are offered; elsewhere a bound -Type narrows the list.
/// </summary>
public sealed class PluginNameCompleter : IArgumentCompleter
{
    public IEnumerable<CompletionResult> CompleteArgument(string commandName, string parameterName, string wordToComplete,
        CommandAst commandAst, IDictionary fakeBoundParameters)
    {
        var prefix = wordToComplete.Trim('\'', '"');
        var type = CompleterHelpers.PluginTypeFor(parameterName, fakeBoundParameters);
        return AgentSession.Catalog.All
            .Where(p => p.Name.StartsWith(prefix, StringComparison.OrdinalIgnoreCase) && (type is null || p.Type == type))
            .GroupBy(p => p.Name, StringComparer.OrdinalIgnoreCase).OrderBy(g => g.Key, StringComparer.OrdinalIgnoreCase)
            .Select(g => new CompletionResult(g.Key, g.Key, CompletionResultType.ParameterValue,
                string.Join("; ", g.Select(p => $"{p.Type.ToString().ToLowerInvariant()}: {p.Description}"))));
    }
}

/// <summary>
/// Completes the property names of a plugin, for a parameter whose command also binds the plugin
/// (-Plugin, -PluginName or -Name, as a name or an AgentPluginInfo; -Type picks input or output when a
/// name is both). Without a known plugin, the properties of every plugin are offered. Go plugins
/// declare no properties, so nothing is offered for them.
/// </summary>
public sealed class PluginPropertyCompleter : IArgumentCompleter
{
    private static readonly string[] PluginParameters = ["Plugin", "PluginName", "Name"];

    public IEnumerable<CompletionResult> CompleteArgument(string commandName, string parameterName, string wordToComplete,
        CommandAst commandAst, IDictionary fakeBoundParameters)
    {
        var prefix = wordToComplete.Trim('\'', '"');
        var type = CompleterHelpers.PluginTypeFor(parameterName, fakeBoundParameters);
        string? plugin = PluginParameters
            .Where(fakeBoundParameters.Contains)
            .Select(key => CompleterHelpers.Unwrap(fakeBoundParameters[key]) switch
            {
                AgentPluginInfo info => info.Name,
                string name => name,
                object[] { Length: > 0 } many => CompleterHelpers.Unwrap(many[0])?.ToString(),
                _ => null,
            })
            .FirstOrDefault(name => !string.IsNullOrWhiteSpace(name));

        var plugins = AgentSession.Catalog.All
            .Where(p => (plugin is null || p.Name.Equals(plugin, StringComparison.OrdinalIgnoreCase)) && (type is null || p.Type == type))
            .Select(p => new AgentPluginInfo(p));
        return plugins.SelectMany(p => p.Properties)
            .Where(p => p.Name.StartsWith(prefix, StringComparison.OrdinalIgnoreCase))
            .GroupBy(p => p.Name, StringComparer.OrdinalIgnoreCase).OrderBy(g => g.Key, StringComparer.OrdinalIgnoreCase)
            .Select(g => g.First())
            .Select(p => new CompletionResult(p.Name, p.Name, CompletionResultType.ParameterValue,
                $"[{p.Type}] {p.Name}{(p.Default is null ? "" : $" (default {p.Default})")}: {p.Description}"));
    }
}

internal static class CompleterHelpers
{
    public static object? Unwrap(object? value) => value is PSObject ps ? ps.BaseObject : value;

    /// <summary>The plugin type a parameter is about: its own name (-Input, -Output, -Filter) or a bound -Type.</summary>
    public static PluginType? PluginTypeFor(string parameterName, IDictionary fakeBoundParameters)
    {
        if (Enum.TryParse<PluginType>(parameterName, ignoreCase: true, out var fromName)) return fromName;
        return fakeBoundParameters.Contains("Type") && Enum.TryParse<PluginType>(Unwrap(fakeBoundParameters["Type"])?.ToString(), ignoreCase: true, out var bound)
            ? bound : null;
    }
}

/// <summary>Completes the names of the session's pipelines.</summary>
public sealed class PipelineNameCompleter : IArgumentCompleter
{
    public IEnumerable<CompletionResult> CompleteArgument(string commandName, string parameterName, string wordToComplete,
        CommandAst commandAst, IDictionary fakeBoundParameters)
    {
        var prefix = wordToComplete.Trim('\'', '"');
        return AgentSession.Pipelines.Select(p => p.Name)
            .Where(n => n.StartsWith(prefix, StringComparison.OrdinalIgnoreCase))
            .Distinct(StringComparer.OrdinalIgnoreCase).Order()
            .Select(n => new CompletionResult(n, n, CompletionResultType.ParameterValue, n));
    }
}

/// <summary>
/// Completes the names of powershell output instances (Receive-AgentRecord -Output): those of the
/// pipelines bound by -Name or -Pipeline, else of every pipeline in the session.
/// </summary>
public sealed class PowerShellOutputNameCompleter : IArgumentCompleter
{
    public IEnumerable<CompletionResult> CompleteArgument(string commandName, string parameterName, string wordToComplete,
        CommandAst commandAst, IDictionary fakeBoundParameters)
    {
        var prefix = wordToComplete.Trim('\'', '"');
        return BoundPipelines(fakeBoundParameters)
            .SelectMany(p => Records.RecordStream.OutputNames(p).Select(name => (name, pipeline: p.Name)))
            .Where(o => o.name.StartsWith(prefix, StringComparison.OrdinalIgnoreCase))
            .GroupBy(o => o.name, StringComparer.OrdinalIgnoreCase).OrderBy(g => g.Key, StringComparer.OrdinalIgnoreCase)
            .Select(g => new CompletionResult(g.Key, g.Key, CompletionResultType.ParameterValue,
                $"powershell output of {string.Join(", ", g.Select(o => o.pipeline).Distinct())}"));
    }

    private static IEnumerable<AgentPipelineInfo> BoundPipelines(IDictionary fakeBoundParameters)
    {
        var bound = new List<object?>();
        foreach (var key in new[] { "Pipeline", "Name" })
        {
            if (!fakeBoundParameters.Contains(key)) continue;
            var value = CompleterHelpers.Unwrap(fakeBoundParameters[key]);
            if (value is object[] many) bound.AddRange(many.Select(CompleterHelpers.Unwrap));
            else bound.Add(value);
        }
        if (bound.Count == 0) return AgentSession.Pipelines;
        var handles = bound.OfType<AgentPipelineInfo>().ToList();
        foreach (var name in bound.OfType<string>())
        {
            var pattern = WildcardPattern.Get(name, WildcardOptions.IgnoreCase);
            handles.AddRange(AgentSession.Pipelines.Where(p => pattern.IsMatch(p.Name)));
        }
        return handles.Distinct();
    }
}

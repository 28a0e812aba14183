using System.Collections;
using System.Management.Automation;
using System.Management.Automation.Language;
using CoreAgent.Engine.Plugins;

namespace CoreAgent.Commands;

/// <summary>Completes the names of output plugins only (built-in and imported), for Invoke-AgentOutput -Plugin.</summary>
public sealed class OutputPluginNameCompleter : IArgumentCompleter
{
    public IEnumerable<CompletionResult> CompleteArgument(string commandName, string parameterName, string wordToComplete,
        CommandAst commandAst, IDictionary fakeBoundParameters)
    {
        var prefix = wordToComplete.Trim('\'', '"');
        return AgentSession.Catalog.All
            .Where(p => p.Type == PluginType.Output && p.Name.StartsWith(prefix, StringComparison.OrdinalIgnoreCase))
            .OrderBy(p => p.Name, StringComparer.OrdinalIgnoreCase)
            .Select(p => new CompletionResult(p.Name, p.Name, CompletionResultType.ParameterValue, p.Description));
    }
}

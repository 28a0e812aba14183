using System.Text;
using CoreAgent.Engine.Plugins.Properties;

namespace CoreAgent.Engine.Config;

/// <summary>
/// The variables of one configuration: those defined by @SET (classic) or the env section (YAML),
/// which win, then the process environment. As in Fluent Bit, every definition in every file is
/// known before any value is expanded, and an environment variable set to "" counts as unset.
/// </summary>
internal sealed class VariableTable(Func<string, string?> environment)
{
    private readonly Dictionary<string, string> _defined = new(StringComparer.Ordinal);

    public IReadOnlyDictionary<string, string> Defined => _defined;

    /// <summary>Defines or redefines a variable; the last definition wins.</summary>
    public void Define(string name, string value) => _defined[name] = value;

    /// <summary>The value of a variable, or null when it is unset.</summary>
    public string? Lookup(string name)
    {
        if (_defined.TryGetValue(name, out var value)) return value;
        string? fromEnvironment;
        try { fromEnvironment = environment(name); }
        catch (Exception) { fromEnvironment = null; }
        if (!string.IsNullOrEmpty(fromEnvironment)) return fromEnvironment;
        // Fluent Bit presets HOSTNAME from gethostname() when the environment lacks it.
        return name == "HOSTNAME" ? Environment.MachineName : null;
    }
}

/// <summary>Expands ${name} and ${name:-default} in values.</summary>
internal static class VariableExpander
{
    /// <summary>
    /// Expands every ${name} in <paramref name="value"/>. ${name:-default} gives the default when the
    /// variable is unset or empty. An unset variable without a default becomes "" and is reported as
    /// a warning. "${" with no closing "}" and "${}" stay as written. Expanded text is not expanded again.
    /// </summary>
    public static string Expand(string value, VariableTable variables, FindingCollector findings,
        SourceLocation at, string? section, string? key)
    {
        var start = value.IndexOf("${", StringComparison.Ordinal);
        if (start < 0) return value;

        var output = new StringBuilder(value.Length);
        var position = 0;
        while (start >= 0)
        {
            var end = value.IndexOf('}', start + 2);
            if (end < 0) break;
            output.Append(value, position, start - position);
            var body = value.Substring(start + 2, end - start - 2);
            position = end + 1;
            if (body.Length == 0)
            {
                output.Append("${}");
            }
            else
            {
                var separator = body.IndexOf(":-", StringComparison.Ordinal);
                var name = separator >= 0 ? body[..separator] : body;
                var fallback = separator >= 0 ? body[(separator + 2)..] : null;
                var resolved = variables.Lookup(name);
                if (string.IsNullOrEmpty(resolved))
                {
                    if (fallback is not null) resolved = fallback;
                    else if (resolved is null)
                        findings.Add(FindingCodes.UnsetVariable,
                            $"variable ${{{FindingCollector.Show(name)}}} is used but not set (by @SET, an env section or the environment); it expands to an empty string",
                            at, section, key);
                }
                output.Append(resolved);
            }
            start = value.IndexOf("${", position, StringComparison.Ordinal);
        }
        output.Append(value, position, value.Length - position);
        return output.ToString();
    }
}

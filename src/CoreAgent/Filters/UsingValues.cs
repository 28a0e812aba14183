using System.Collections;
using System.Management.Automation;
using System.Management.Automation.Language;
using System.Text;

namespace CoreAgent.Commands.Filters;

/// <summary>
/// <c>$using:</c> in a script-block filter, as <c>ForEach-Object -Parallel</c> and <c>Start-Job</c>
/// offer it: the caller's variables are read when the pipeline is defined (in the caller's session,
/// the only place they exist) and travel with the definition as CliXml in the filter's <c>using</c>
/// property; the filter's own runspace gets them back as variables, and the script's
/// <c>$using:name</c> references are rewritten to read those. Values are copies taken at definition
/// time (the filter runs on engine threads, so it must never reach into the caller's live objects),
/// with the fidelity of PowerShell serialization: primitives, strings, dates, arrays and hashtables
/// round-trip; other objects arrive as property bags.
/// </summary>
internal static class UsingValues
{
    /// <summary>The powershell filter's property that carries the captured values.</summary>
    public const string Property = "using";

    private const int SerializationDepth = 4;
    private const string VariablePrefix = "__coreagent_using_";

    /// <summary>The variable each $using: reference reads, in the order of first appearance.</summary>
    public static IReadOnlyList<string> Names(string script)
    {
        var names = new List<string>();
        foreach (var variable in References(Parser.ParseInput(script, out _, out _)))
        {
            string name = variable.VariablePath.UserPath;
            if (!names.Contains(name, StringComparer.OrdinalIgnoreCase)) names.Add(name);
        }
        return names;
    }

    /// <summary>Reads the referenced variables in the caller's session; null when the script has no $using:.</summary>
    public static string? Capture(string script, SessionState caller)
    {
        var names = Names(script);
        if (names.Count == 0) return null;
        var values = new Hashtable(StringComparer.OrdinalIgnoreCase);
        foreach (var name in names)
        {
            object? value = ReadVariable(caller, name, out bool found);
            if (!found)
                throw new ArgumentException($"the value of the using variable '$using:{name}' cannot be retrieved because it has not been set in the caller's session");
            values[name] = value;
        }
        return PSSerializer.Serialize(values, SerializationDepth);
    }

    private static object? ReadVariable(SessionState caller, string name, out bool found)
    {
        int colon = name.IndexOf(':');
        if (colon > 0 && !name[..colon].Equals("global", StringComparison.OrdinalIgnoreCase)
            && !name[..colon].Equals("script", StringComparison.OrdinalIgnoreCase) && !name[..colon].Equals("local", StringComparison.OrdinalIgnoreCase))
        {
            // A drive-qualified name ($using:env:HOME): the provider item's value.
            var items = caller.InvokeProvider.Item.Get(name);
            found = items.Count > 0;
            object? item = found ? items[0].BaseObject : null;
            return item is DictionaryEntry entry ? entry.Value : item;
        }
        var variable = caller.PSVariable.Get(name);
        found = variable is not null;
        return variable?.Value;
    }

    /// <summary>The values captured by <see cref="Capture"/>, by variable name.</summary>
    public static Hashtable Restore(string serialized)
    {
        object restored = PSSerializer.Deserialize(serialized);
        return (restored is PSObject ps ? ps.BaseObject : restored) as Hashtable
            ?? throw new FormatException("the using property does not hold a table of values");
    }

    /// <summary>The variable name the rewritten script reads for a captured name.</summary>
    public static string VariableFor(IReadOnlyList<string> names, string name) =>
        VariablePrefix + names.Select((n, i) => (n, i)).First(p => p.n.Equals(name, StringComparison.OrdinalIgnoreCase)).i;

    /// <summary>The script with every <c>$using:name</c> replaced by the variable that holds its captured value.</summary>
    public static string Rewrite(string script)
    {
        var names = Names(script);
        if (names.Count == 0) return script;
        var references = References(Parser.ParseInput(script, out _, out _)).OrderByDescending(v => v.Extent.StartOffset).ToList();
        var text = new StringBuilder(script);
        foreach (var variable in references)
        {
            var extent = variable.Extent;
            text.Remove(extent.StartOffset, extent.EndOffset - extent.StartOffset)
                .Insert(extent.StartOffset, "$" + VariableFor(names, variable.VariablePath.UserPath));
        }
        return text.ToString();
    }

    // $using:x is a UsingExpressionAst around the variable; $using:x[1] wraps an index expression whose target it is.
    private static IEnumerable<VariableExpressionAst> References(Ast ast) =>
        ast.FindAll(a => a is UsingExpressionAst, searchNestedScriptBlocks: true).Cast<UsingExpressionAst>()
            .Select(u => u.SubExpression switch
            {
                VariableExpressionAst v => v,
                IndexExpressionAst { Target: VariableExpressionAst v } => v,
                MemberExpressionAst { Expression: VariableExpressionAst v } => v,
                _ => null,
            })
            .Where(v => v is not null)!;
}

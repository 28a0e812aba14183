using System.Collections;
using System.Management.Automation.Language;
using CoreAgent.Engine.Plugins.Properties;

namespace CoreAgent.Commands.Filters;

/// <summary>Checks a script's text before a runspace is spent on it.</summary>
internal static class ScriptText
{
    /// <summary>
    /// Throws a PropertyException naming the first parse error, named blocks, or a $using: reference
    /// whose value was not captured from a caller (<paramref name="usingValues"/>, see <see cref="UsingValues"/>).
    /// </summary>
    public static void Check(string script, Hashtable? usingValues = null)
    {
        var ast = Parser.ParseInput(script, out _, out var errors);
        if (errors.Length > 0)
            throw new PropertyException("script", $"line {errors[0].Extent.StartLineNumber}: {errors[0].Message}");
        // The text becomes the body of a process block, which has no room for these.
        if (ast.ParamBlock is not null || ast.BeginBlock is not null || ast.ProcessBlock is not null || ast.DynamicParamBlock is not null
            || ast.EndBlock is { Unnamed: false } || ast.UsingStatements.Count > 0)
            throw new PropertyException("script", "the script is the body run for each record: param(), begin, process, end and using statements cannot be used in it");
        foreach (var name in UsingValues.Names(script))
        {
            if (usingValues is null || !usingValues.ContainsKey(name))
                throw new PropertyException("script", $"'$using:{name}': only a script block given to -Filter in PowerShell can read the caller's " +
                    "variables (their values are copied when the pipeline is defined); a configuration file has no caller: put the value in the script itself");
        }
        if (ast.Find(a => a is UsingExpressionAst u && u.SubExpression is not (VariableExpressionAst or IndexExpressionAst { Target: VariableExpressionAst } or MemberExpressionAst { Expression: VariableExpressionAst }),
                searchNestedScriptBlocks: true) is { } other)
            throw new PropertyException("script", $"'{other.Extent.Text}': $using: takes a variable");
    }
}

using System.Management.Automation.Language;
using CoreAgent.Engine.Plugins.Properties;

namespace CoreAgent.Commands.Filters;

/// <summary>Checks a script's text before a runspace is spent on it.</summary>
internal static class ScriptText
{
    /// <summary>Throws a PropertyException naming the first parse error, a $using: reference, or named blocks.</summary>
    public static void Check(string script)
    {
        var ast = Parser.ParseInput(script, out _, out var errors);
        if (errors.Length > 0)
            throw new PropertyException("script", $"line {errors[0].Extent.StartLineNumber}: {errors[0].Message}");
        // The text becomes the body of a process block, which has no room for these.
        if (ast.ParamBlock is not null || ast.BeginBlock is not null || ast.ProcessBlock is not null || ast.DynamicParamBlock is not null
            || ast.EndBlock is { Unnamed: false } || ast.UsingStatements.Count > 0)
            throw new PropertyException("script", "the script is the body run for each record: param(), begin, process, end and using statements cannot be used in it");
        if (ast.Find(a => a is UsingExpressionAst, searchNestedScriptBlocks: true) is { } usingExpression)
            throw new PropertyException("script", $"'{usingExpression.Extent.Text}': the script runs in its own runspace, " +
                "where $using: has nothing to read; put the value in the script itself");
    }
}

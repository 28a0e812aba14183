using CoreAgent.Engine.Plugins.Properties;

namespace CoreAgent.Engine.Plugins.Filters.Modify;

/// <summary>
/// Splits a rule or condition value into its words as filter_modify.c does with
/// flb_utils_split_quoted: words are separated by spaces, and a word in double quotes may hold
/// spaces (<c>Set message "hello world"</c>). The last word takes the rest of the line when fewer
/// separators remain, so an unquoted value with spaces also works.
/// </summary>
internal static class ModifyArguments
{
    public static string[] Split(string property, string value, int expected)
    {
        var words = new List<string>();
        var text = value.Trim();
        int at = 0;
        while (at < text.Length && words.Count < expected)
        {
            while (at < text.Length && char.IsWhiteSpace(text[at])) at++;
            if (at >= text.Length) break;
            if (words.Count == expected - 1 && text[at] != '"')
            {
                words.Add(text[at..].TrimEnd());
                at = text.Length;
                break;
            }
            if (text[at] == '"')
            {
                int close = text.IndexOf('"', at + 1);
                if (close < 0) throw new PropertyException(property, $"'{value}': a quote is not closed");
                words.Add(text[(at + 1)..close]);
                at = close + 1;
            }
            else
            {
                int end = at;
                while (end < text.Length && !char.IsWhiteSpace(text[end])) end++;
                words.Add(text[at..end]);
                at = end;
            }
        }
        while (at < text.Length && char.IsWhiteSpace(text[at])) at++;
        if (words.Count != expected || at < text.Length)
            throw new PropertyException(property, $"'{value}' needs {expected} argument{(expected > 1 ? "s" : "")}, found {(at < text.Length ? "more" : words.Count.ToString())}");
        return [.. words];
    }
}

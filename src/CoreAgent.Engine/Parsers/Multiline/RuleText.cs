using System.Text;

namespace CoreAgent.Engine.Parsers.Multiline;

/// <summary>
/// A [MULTILINE_PARSER] rule line: "state" "regex" "next_state", tokens split at spaces, a token in
/// double quotes may hold spaces (flb_slist_split_tokens); \" inside quotes is a quote.
/// </summary>
public static class RuleText
{
    public static List<string> Split(string text)
    {
        var tokens = new List<string>();
        int i = 0;
        while (i < text.Length)
        {
            while (i < text.Length && char.IsWhiteSpace(text[i])) i++;
            if (i >= text.Length) break;
            var token = new StringBuilder();
            if (text[i] == '"')
            {
                i++;
                while (i < text.Length && text[i] != '"')
                {
                    if (text[i] == '\\' && i + 1 < text.Length && text[i + 1] == '"') i++;
                    token.Append(text[i++]);
                }
                i++; // closing quote
            }
            else
            {
                while (i < text.Length && !char.IsWhiteSpace(text[i])) token.Append(text[i++]);
            }
            tokens.Add(token.ToString());
        }
        return tokens;
    }

    /// <summary>The classic form of a YAML rule, so that both formats share one reader.</summary>
    public static string Join(params string[] tokens) =>
        string.Join(' ', tokens.Select(t => "\"" + t.Replace("\"", "\\\"") + "\""));
}

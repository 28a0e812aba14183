using System.Text;
using System.Text.RegularExpressions;

namespace CoreAgent.Engine.Plugins.Inputs.Tail;

/// <summary>
/// The tag of a tailed file, as Fluent Bit composes it: the input's tag with its first <c>*</c>
/// replaced by the file's path, then every '/', '\' and ':' made a '.', a leading one dropped,
/// runs of dots squeezed to one, other '*' dropped and a trailing '.' removed. So
/// <c>Tag kube.*</c> and <c>/var/log/app.log</c> give <c>kube.var.log.app.log</c>.
/// </summary>
public static class TailTag
{
    public static string Compose(string tag, string path)
    {
        int star = tag.IndexOf('*');
        if (star < 0) return tag;
        string raw = string.Concat(tag.AsSpan(0, star), path, tag.AsSpan(star + 1));
        var output = new StringBuilder(raw.Length);
        foreach (char original in raw)
        {
            char c = original is '/' or '\\' or ':' ? '.' : original;
            if (c == '.' && original != '.' && output.Length == 0) continue; // a leading separator is dropped
            if (c == '*') continue;
            if (c == '.' && output.Length > 0 && output[^1] == '.') continue;
            output.Append(c);
        }
        if (output.Length > 0 && output[^1] == '.') output.Length--;
        return output.ToString();
    }

    /// <summary>
    /// The tag with Tag_Regex (tag_compose in Fluent Bit's tail_file.c): the regex is searched in the
    /// path; each <c>&lt;name&gt;</c> of the tag becomes that named capture, or <c>_</c> when the
    /// group is missing or empty. Nothing else of the tag changes (no <c>*</c> expansion, no dots).
    /// Null with <paramref name="error"/> when the path does not match or a '&lt;' is not closed,
    /// and the file is then not followed, as in Fluent Bit.
    /// </summary>
    public static string? Compose(string tag, Regex regex, string path, out string? error)
    {
        error = null;
        var match = regex.Match(path);
        if (!match.Success)
        {
            error = $"invalid tag_regex pattern for file {path}";
            return null;
        }
        var output = new StringBuilder(tag.Length + path.Length);
        int at = 0;
        for (int open; (open = tag.IndexOf('<', at)) >= 0;)
        {
            output.Append(tag, at, open - at);
            int close = tag.IndexOf('>', open + 1);
            if (close < 0 || tag.IndexOf('<', open + 1, close - open - 1) >= 0)
            {
                error = $"missing closing angle bracket in tag {tag} at position {open}";
                return null;
            }
            string name = tag[(open + 1)..close];
            var group = IsNamedGroup(regex, name) ? match.Groups[name] : null;
            output.Append(group is { Success: true, Length: > 0 } ? group.Value : "_");
            at = close + 1;
        }
        output.Append(tag, at, tag.Length - at);
        return output.ToString();
    }

    // Only named groups fill placeholders (flb_regex_parse reports names), never "<1>".
    private static bool IsNamedGroup(Regex regex, string name) =>
        name.Length > 0 && !name.All(char.IsAsciiDigit) && regex.GroupNumberFromName(name) >= 0;
}

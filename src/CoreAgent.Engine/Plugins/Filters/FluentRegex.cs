using System.Text.RegularExpressions;

namespace CoreAgent.Engine.Plugins.Filters;

/// <summary>
/// Compiles a pattern the way Fluent Bit's flb_regex_create reads it: <c>/pattern/</c> loses its
/// slashes, and <c>/pattern/imx</c> also sets options (i ignore case, m dot matches newline, x
/// extended; o is ignored; any other letter leaves the whole text as the pattern). Onigmo's Ruby
/// syntax makes ^ and $ line anchors, hence RegexOptions.Multiline. .NET's dialect is close to
/// Ruby's for everyday patterns, not identical.
/// </summary>
public static class FluentRegex
{
    /// <summary>Throws <see cref="ArgumentException"/> when the pattern does not compile.</summary>
    public static Regex Create(string pattern)
    {
        var options = RegexOptions.CultureInvariant | RegexOptions.Multiline;
        int last = pattern.LastIndexOf('/');
        if (pattern.Length > 1 && pattern[0] == '/' && last > 0 && TryOptions(pattern.AsSpan(last + 1), ref options))
            pattern = pattern[1..last];
        return new Regex(pattern, options);
    }

    private static bool TryOptions(ReadOnlySpan<char> letters, ref RegexOptions options)
    {
        var chosen = options;
        foreach (char letter in letters)
        {
            switch (letter)
            {
                case 'i': chosen |= RegexOptions.IgnoreCase; break;
                case 'm': chosen |= RegexOptions.Singleline; break;
                case 'x': chosen |= RegexOptions.IgnorePatternWhitespace; break;
                case 'o': break;
                default: return false;
            }
        }
        options = chosen;
        return true;
    }
}

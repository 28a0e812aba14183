using System.Text.RegularExpressions;

namespace CoreAgent.Engine.Pipeline;

/// <summary>
/// Decides whether an output takes a tag, as Fluent Bit's router does: Match_Regex (tried first) must
/// match at the start of the tag; Match must cover the whole tag, case-sensitively, with * matching
/// any run of characters, dots included.
/// </summary>
public sealed class TagMatcher
{
    private readonly string? _pattern;
    private readonly Regex? _regex;
    private readonly string? _regexText;

    public TagMatcher(string? match, string? matchRegex)
    {
        _pattern = match;
        _regexText = matchRegex;
        if (!string.IsNullOrEmpty(matchRegex))
            _regex = new Regex(@"\G(?:" + matchRegex + ")", RegexOptions.CultureInvariant);
    }

    /// <summary>True when neither Match nor Match_Regex was given.</summary>
    public bool IsEmpty => _pattern is null && _regex is null;

    public static TagMatcher All { get; } = new("*", null);

    public bool Matches(string tag)
    {
        if (_regex is not null) return _regex.IsMatch(tag);
        return _pattern is not null && Wildcard(_pattern, tag);
    }

    /// <summary>What the user wrote: the Match pattern, or "regex " and the Match_Regex as given.</summary>
    public override string ToString() => _regex is not null ? $"regex {_regexText}" : _pattern ?? "(none)";

    /// <summary>Glob match with * as the only wildcard; iterative with backtracking to the last star.</summary>
    internal static bool Wildcard(string pattern, string text)
    {
        int p = 0, t = 0, star = -1, mark = 0;
        while (t < text.Length)
        {
            if (p < pattern.Length && pattern[p] == '*') { star = p++; mark = t; }
            else if (p < pattern.Length && pattern[p] == text[t]) { p++; t++; }
            else if (star >= 0) { p = star + 1; t = ++mark; }
            else return false;
        }
        while (p < pattern.Length && pattern[p] == '*') p++;
        return p == pattern.Length;
    }
}

using System.Text;
using CoreAgent.Engine.Parsers.Onigmo;
using DotNetRegex = System.Text.RegularExpressions.Regex;

namespace CoreAgent.Engine.Parsers.Multiline;

public enum MultilineType { Regex, EndsWith, Equal }

/// <summary>One rule of a regex multiline parser: from which states, what the line must match, which state follows.</summary>
public sealed class MultilineRule
{
    internal MultilineRule(string[] fromStates, DotNetRegex regex, string? toState)
    {
        FromStates = fromStates;
        Regex = regex;
        ToState = toState;
        IsStart = fromStates.Contains("start_state");
    }

    public IReadOnlyList<string> FromStates { get; }
    public DotNetRegex Regex { get; }
    public string? ToState { get; }
    public bool IsStart { get; }

    /// <summary>The rules whose from-states hold this rule's to-state (flb_ml_rule's to_state_map).</summary>
    internal List<MultilineRule> Next { get; } = [];

    internal bool Matches(ReadOnlySpan<byte> line)
    {
        var text = Encoding.UTF8.GetString(line);
        try { return Regex.IsMatch(text); }
        catch (System.Text.RegularExpressions.RegexMatchTimeoutException) { return false; }
    }
}

/// <summary>
/// A [MULTILINE_PARSER] (or a built-in one: docker, cri, go, python, java), as flb_ml_parser.c
/// defines it: type regex (rules), endswith or equal (match_string, negate), the record key that
/// holds the text (key_content), an optional key compared instead (key_pattern), a key whose value
/// keeps separate streams apart (key_group), an optional parser run on each line first, and the
/// flush timeout. Immutable; the state lives in <see cref="MultilineStream"/>.
/// </summary>
public sealed class MultilineParser
{
    public const int DefaultFlushTimeoutMs = 4000;

    public required string Name { get; init; }
    public required MultilineType Type { get; init; }
    public byte[]? MatchString { get; init; }
    public bool Negate { get; init; }
    public int FlushTimeoutMs { get; init; } = DefaultFlushTimeoutMs;
    public string? KeyContent { get; init; }
    public string? KeyPattern { get; init; }
    public string? KeyGroup { get; init; }

    /// <summary>A parser each line goes through first (docker's json, cri's regex); a line it rejects is not this parser's.</summary>
    public Parser? LineParser { get; init; }

    public IReadOnlyList<MultilineRule> Rules { get; init; } = [];

    internal byte[]? KeyContentUtf8 => KeyContent is null ? null : Encoding.UTF8.GetBytes(KeyContent);

    /// <summary>Builds the rules of a regex parser and links the states (flb_ml_rule_init); throws <see cref="FormatException"/> with the reason.</summary>
    public static List<MultilineRule> BuildRules(IEnumerable<(string From, string Regex, string? To)> rules, List<string>? notes = null)
    {
        var built = new List<MultilineRule>();
        foreach (var (from, pattern, to) in rules)
        {
            var states = from.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries);
            if (states.Length == 0) throw new FormatException("rule is empty or has invalid 'from_states' tokens");
            if (built.Count == 0 && !states.Contains("start_state")) throw new FormatException("the first rule must start from 'start_state'");
            var translated = OnigmoTranslator.Translate(pattern);
            if (translated.Errors.Count > 0) throw new FormatException($"rule regex '{pattern}': {string.Join("; ", translated.Errors)}");
            notes?.AddRange(translated.Notes);
            DotNetRegex regex;
            try
            {
                regex = new DotNetRegex(translated.Pattern, translated.Options, ParserFactory.RegexTimeout);
            }
            catch (ArgumentException ex)
            {
                throw new FormatException($"rule regex '{pattern}' is invalid: {ex.Message}");
            }
            built.Add(new MultilineRule(states, regex, string.IsNullOrEmpty(to) ? null : to));
        }
        foreach (var rule in built)
        {
            if (rule.ToState is null) continue;
            var next = built.Where(r => r.FromStates.Contains(rule.ToState)).ToList();
            if (next.Count == 0) throw new FormatException($"to_state='{rule.ToState}' is not registered (no rule starts from it)");
            rule.Next.AddRange(next);
        }
        return built;
    }
}

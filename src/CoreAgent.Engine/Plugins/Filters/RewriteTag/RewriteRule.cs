using System.Buffers;
using System.Text;
using System.Text.RegularExpressions;
using CoreAgent.Engine.Plugins.Properties;

namespace CoreAgent.Engine.Plugins.Filters.RewriteTag;

/// <summary>One <c>Rule $KEY REGEX NEW_TAG KEEP</c> of rewrite_tag.</summary>
public sealed class RewriteRule
{
    private RewriteRule(RecordAccessor key, Regex regex, TagTemplate tag, bool keep)
    {
        Key = key;
        Regex = regex;
        Tag = tag;
        Keep = keep;
    }

    public RecordAccessor Key { get; }
    public Regex Regex { get; }
    public TagTemplate Tag { get; }

    /// <summary>True: the record also goes on under its old tag; false: only the re-emitted copy remains.</summary>
    public bool Keep { get; }

    /// <summary>Four fields separated by spaces; a field with spaces may be quoted, as Fluent Bit's tokenizer allows.</summary>
    public static RewriteRule Parse(string value)
    {
        var fields = Tokens(value);
        if (fields.Count != 4)
            throw new PropertyException("rule", $"'{value}': invalid rule, expects '$KEY REGEX NEW_TAG KEEP' (4 fields, got {fields.Count})");
        RecordAccessor key;
        Regex regex;
        TagTemplate tag;
        try { key = RecordAccessor.Parse(fields[0]); }
        catch (FormatException ex) { throw new PropertyException("rule", $"'{value}': the key is not a record accessor: {ex.Message}"); }
        try { regex = FluentRegex.Create(fields[1]); }
        catch (ArgumentException ex) { throw new PropertyException("rule", $"'{value}': the regex does not compile: {ex.Message}"); }
        try { tag = TagTemplate.Parse(fields[2]); }
        catch (FormatException ex) { throw new PropertyException("rule", $"'{value}': the new tag is not valid: {ex.Message}"); }
        bool keep = fields[3].ToLowerInvariant() switch
        {
            "true" or "on" or "yes" => true,
            "false" or "off" or "no" => false,
            _ => throw new PropertyException("rule", $"'{value}': KEEP must be true or false, not '{fields[3]}'"),
        };
        return new RewriteRule(key, regex, tag, keep);
    }

    private static List<string> Tokens(string value)
    {
        var tokens = new List<string>();
        var current = new StringBuilder();
        char quote = '\0';
        bool any = false;
        foreach (char c in value.Trim())
        {
            if (quote != '\0')
            {
                if (c == quote) quote = '\0';
                else current.Append(c);
            }
            else if (c is '"' or '\'' && current.Length == 0) { quote = c; any = true; }
            else if (c is ' ' or '\t')
            {
                if (current.Length > 0 || any) tokens.Add(current.ToString());
                current.Clear();
                any = false;
            }
            else current.Append(c);
        }
        if (current.Length > 0 || any) tokens.Add(current.ToString());
        return tokens;
    }

    /// <summary>
    /// The new tag when the key's value (a string) matches, else null. The match with groups needs
    /// a string; it is made only when the span test passed and the template reads a group.
    /// </summary>
    public string? Rewrite(string tag, ReadOnlyMemory<byte> body)
    {
        if (!Key.TryGetString(body, out var utf8)) return null;
        char[] chars = ArrayPool<char>.Shared.Rent(Encoding.UTF8.GetMaxCharCount(utf8.Length));
        Match? match = null;
        try
        {
            int length = Encoding.UTF8.GetChars(utf8.Span, chars);
            if (!Regex.IsMatch(chars.AsSpan(0, length))) return null;
            if (Tag.UsesGroups) match = Regex.Match(new string(chars, 0, length));
        }
        finally
        {
            ArrayPool<char>.Shared.Return(chars);
        }
        return Tag.Expand(tag, body, match);
    }
}

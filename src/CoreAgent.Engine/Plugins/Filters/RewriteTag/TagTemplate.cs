using System.Text;
using System.Text.RegularExpressions;

namespace CoreAgent.Engine.Plugins.Filters.RewriteTag;

/// <summary>
/// rewrite_tag's NEW_TAG: literal text with <c>$TAG</c>, <c>$TAG[n]</c> (the n-th dot-separated
/// part of the tag), <c>$0</c>..<c>$9</c> (the rule's regex groups) and record accessors
/// (<c>$kubernetes['namespace_name']</c>). Parsed once; a part that is missing expands to nothing.
/// </summary>
public sealed class TagTemplate
{
    private abstract record Part;
    private sealed record Literal(string Text) : Part;
    private sealed record WholeTag : Part;
    private sealed record TagPart(int Index) : Part;
    private sealed record Group(int Number) : Part;
    private sealed record Field(RecordAccessor Accessor) : Part;

    private readonly Part[] _parts;

    private TagTemplate(string text, Part[] parts)
    {
        Text = text;
        _parts = parts;
    }

    public string Text { get; }

    /// <summary>True when expanding needs the regex groups (so the match must be run with captures).</summary>
    public bool UsesGroups => _parts.Any(p => p is Group);

    public static TagTemplate Parse(string text)
    {
        var parts = new List<Part>();
        var literal = new StringBuilder();
        for (int i = 0; i < text.Length;)
        {
            if (text[i] != '$' || i + 1 >= text.Length)
            {
                literal.Append(text[i++]);
                continue;
            }
            if (literal.Length > 0) { parts.Add(new Literal(literal.ToString())); literal.Clear(); }
            int start = i + 1;
            if (char.IsAsciiDigit(text[start]))
            {
                parts.Add(new Group(text[start] - '0'));
                i = start + 1;
                continue;
            }
            int end = start;
            while (end < text.Length && (char.IsAsciiLetterOrDigit(text[end]) || text[end] is '_' or '-')) end++;
            if (end == start) { literal.Append('$'); i++; continue; }
            // Bracketed subkeys or an index belong to the accessor.
            while (end < text.Length && text[end] == '[')
            {
                int close = text.IndexOf(']', end);
                if (close < 0) throw new FormatException($"'{text}': '[' without ']'");
                end = close + 1;
            }
            string token = text[i..end];
            var tagIndex = Regex.Match(token, @"^\$TAG(?:\[(\d+)\])?$");
            if (tagIndex.Success)
                parts.Add(tagIndex.Groups[1].Success ? new TagPart(int.Parse(tagIndex.Groups[1].Value)) : new WholeTag());
            else
                parts.Add(new Field(RecordAccessor.Parse(token)));
            i = end;
        }
        if (literal.Length > 0) parts.Add(new Literal(literal.ToString()));
        return new TagTemplate(text, [.. parts]);
    }

    public string Expand(string tag, ReadOnlyMemory<byte> body, Match? match)
    {
        var result = new StringBuilder();
        foreach (var part in _parts)
        {
            switch (part)
            {
                case Literal l: result.Append(l.Text); break;
                case WholeTag: result.Append(tag); break;
                case TagPart t:
                    var pieces = tag.Split('.');
                    if (t.Index < pieces.Length) result.Append(pieces[t.Index]);
                    break;
                case Group g:
                    if (match is not null && g.Number < match.Groups.Count && match.Groups[g.Number].Success) result.Append(match.Groups[g.Number].Value);
                    break;
                case Field f:
                    if (f.Accessor.TryGetString(body, out var utf8)) result.Append(Encoding.UTF8.GetString(utf8.Span));
                    break;
            }
        }
        return result.ToString();
    }
}

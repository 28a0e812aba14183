using System.Buffers;
using System.Text;
using System.Text.RegularExpressions;
using CoreAgent.Engine.Plugins.Properties;

namespace CoreAgent.Engine.Plugins.Filters;

/// <summary>One grep rule: <c>Regex KEY REGEX</c> (keep) or <c>Exclude KEY REGEX</c> (drop).</summary>
public sealed class GrepRule
{
    private GrepRule(bool exclude, RecordAccessor key, Regex regex)
    {
        IsExclude = exclude;
        Key = key;
        Regex = regex;
    }

    public bool IsExclude { get; }
    public RecordAccessor Key { get; }
    public Regex Regex { get; }

    /// <summary>
    /// Reads "KEY REGEX": the key ends at the first space and everything after it is the regular
    /// expression, spaces included, as Fluent Bit splits it.
    /// </summary>
    public static GrepRule Parse(string property, string value)
    {
        var text = value.Trim();
        int space = text.IndexOf(' ');
        if (space <= 0 || text[(space + 1)..].Trim().Length == 0)
            throw new PropertyException(property, $"'{value}' is not 'KEY REGEX': expected a field name and a regular expression");
        RecordAccessor key;
        Regex regex;
        try
        {
            key = RecordAccessor.Parse(text[..space]);
            regex = FluentRegex.Create(text[(space + 1)..].TrimStart());
        }
        catch (Exception ex) when (ex is FormatException or ArgumentException)
        {
            throw new PropertyException(property, ex.Message);
        }
        return new GrepRule(property.Equals("exclude", StringComparison.OrdinalIgnoreCase), key, regex);
    }

    /// <summary>True when the key holds a string the expression finds (anywhere in it, unanchored).</summary>
    public bool Matches(ReadOnlyMemory<byte> body)
    {
        if (!Key.TryGetString(body, out var value)) return false;
        var utf8 = value.Span;
        // Decoded into a pooled buffer: no string per record.
        char[] chars = ArrayPool<char>.Shared.Rent(Encoding.UTF8.GetMaxCharCount(utf8.Length));
        try
        {
            int length = Encoding.UTF8.GetChars(utf8, chars);
            return Regex.IsMatch(chars.AsSpan(0, length));
        }
        finally
        {
            ArrayPool<char>.Shared.Return(chars);
        }
    }

    public override string ToString() => $"{(IsExclude ? "Exclude" : "Regex")} {Key} {Regex}";
}

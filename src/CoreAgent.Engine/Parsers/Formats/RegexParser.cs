using System.Buffers;
using System.Text;
using System.Text.Unicode;
using CoreAgent.Engine.Records;
using MessagePack;
using DotNetRegex = System.Text.RegularExpressions.Regex;
using RegexOptions = System.Text.RegularExpressions.RegexOptions;
using RegexMatchTimeoutException = System.Text.RegularExpressions.RegexMatchTimeoutException;

namespace CoreAgent.Engine.Parsers.Formats;

/// <summary>
/// Fluent Bit's regex parser (flb_parser_regex.c): searches the line (unanchored unless the pattern
/// anchors it) and makes one string field per named group, in the order the names first appear.
/// A group that did not take part, or matched nothing, is left out while Skip_Empty_Values is on
/// (the default) and is "" otherwise; if no group took part the line does not match. The Time_Key
/// group gives the time and is removed unless Time_Keep is on; when the time does not parse it is
/// removed anyway (Fluent Bit warns and drops it). Types cast the fields.
/// <para>
/// The line is decoded to a string for .NET's regex (UTF-8, or Latin-1 when it is not valid UTF-8,
/// so that every byte survives into the fields); group values of an ASCII line are sliced from the
/// original bytes. A match that runs longer than the timeout counts as no match, with a warning.
/// </para>
/// </summary>
public sealed class RegexParser : Parser
{
    private readonly Lazy<DotNetRegex> _regex;
    private readonly (string Name, byte[] Utf8)[] _groups;
    private readonly bool _isTimeGroupDefined;

    internal RegexParser(ParserSettings settings, string pattern, RegexOptions options, IReadOnlyList<string> names, TimeSpan timeout)
        : base(settings)
    {
        Pattern = pattern;
        // Compiled on first use: compiling every parser of a large parsers file at load would cost seconds.
        _regex = new Lazy<DotNetRegex>(() => new DotNetRegex(pattern, options | RegexOptions.Compiled, timeout));
        _groups = [.. names.Select(n => (n, Encoding.UTF8.GetBytes(n)))];
        _isTimeGroupDefined = names.Contains(settings.TimeKey ?? "time");
    }

    /// <summary>The .NET pattern the Onigmo pattern was translated to.</summary>
    public string Pattern { get; }

    public override ParserFormat Format => ParserFormat.Regex;

    public override bool TryParse(ReadOnlySpan<byte> text, ref MessagePackWriter body, out EventTime? time)
    {
        time = null;
        if (_groups.Length == 0) return false;
        bool utf8 = Utf8.IsValid(text);
        var encoding = utf8 ? Encoding.UTF8 : Encoding.Latin1;
        string line = encoding.GetString(text);
        bool sameOffsets = line.Length == text.Length; // ASCII (or Latin-1): char index = byte index

        System.Text.RegularExpressions.Match match;
        try
        {
            match = _regex.Value.Match(line);
        }
        catch (RegexMatchTimeoutException)
        {
            Warn($"the regex took longer than {_regex.Value.MatchTimeout.TotalSeconds:0.#} s on a line of {text.Length} bytes; the line is not parsed");
            return false;
        }
        if (!match.Success) return false;

        Span<byte> include = _groups.Length <= 256 ? stackalloc byte[_groups.Length] : new byte[_groups.Length];
        int fields = 0;
        bool anyTookPart = false;
        byte[]? scratch = null;
        try
        {
            for (int g = 0; g < _groups.Length; g++)
            {
                var group = match.Groups[_groups[g].Name];
                anyTookPart |= group.Success;
                include[g] = 0;
                if (group.Length == 0 && Settings.SkipEmptyValues) continue;
                if (Time is not null && _isTimeGroupDefined && _groups[g].Utf8.AsSpan().SequenceEqual(TimeKeyUtf8))
                {
                    var value = Bytes(text, line, group, sameOffsets, encoding, ref scratch);
                    if (!ReadTime(value, out var parsed)) continue; // warned; the field is dropped, as in Fluent Bit
                    time = NonZero(parsed);
                    if (!Settings.TimeKeep) continue;
                }
                include[g] = 1;
                fields++;
            }
            if (!anyTookPart)
            {
                time = null;
                return false;
            }
            body.WriteMapHeader(fields);
            for (int g = 0; g < _groups.Length; g++)
            {
                if (include[g] == 0) continue;
                var group = match.Groups[_groups[g].Name];
                WriteField(ref body, _groups[g].Utf8, group.Success ? Bytes(text, line, group, sameOffsets, encoding, ref scratch) : default);
            }
            return true;
        }
        finally
        {
            if (scratch is not null) ArrayPool<byte>.Shared.Return(scratch);
        }
    }

    private static ReadOnlySpan<byte> Bytes(ReadOnlySpan<byte> text, string line, System.Text.RegularExpressions.Group group,
        bool sameOffsets, Encoding encoding, scoped ref byte[]? scratch)
    {
        if (sameOffsets) return text.Slice(group.Index, group.Length);
        var chars = line.AsSpan(group.Index, group.Length);
        int max = encoding.GetMaxByteCount(chars.Length);
        if (scratch is null || scratch.Length < max)
        {
            if (scratch is not null) ArrayPool<byte>.Shared.Return(scratch);
            scratch = ArrayPool<byte>.Shared.Rent(max);
        }
        // Note: the scratch buffer is reused by the next call; callers use the bytes at once.
        int n = encoding.GetBytes(chars, scratch);
        return scratch.AsSpan(0, n);
    }
}

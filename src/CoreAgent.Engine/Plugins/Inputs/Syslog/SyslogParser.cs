using System.Buffers;
using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;
using CoreAgent.Engine.Records;
using MessagePack;

namespace CoreAgent.Engine.Plugins.Inputs.Syslog;

/// <summary>
/// The syslog parsers of Fluent Bit's conf/parsers.conf, built in until the engine has a parser
/// registry: the same regexes (the Onigmo syntax they use reads the same in .NET), the same field
/// names in the same order, string values, Time_Keep On, and the record time from the time field.
/// </summary>
internal sealed class SyslogParser : IMessageParser
{
    public static readonly IReadOnlyDictionary<string, SyslogParser> BuiltIn = new Dictionary<string, SyslogParser>(StringComparer.OrdinalIgnoreCase)
    {
        ["syslog-rfc5424"] = new("syslog-rfc5424",
            @"^\<(?<pri>[0-9]{1,5})\>1 (?<time>[^ ]+) (?<host>[^ ]+) (?<ident>[^ ]+) (?<pid>[-0-9]+) (?<msgid>[^ ]+) (?<extradata>(\[(.*?)\]|-)) (?<message>.+)$",
            rfc5424: true),
        ["syslog-rfc3164-local"] = new("syslog-rfc3164-local",
            @"^\<(?<pri>[0-9]+)\>(?<time>[^ ]* {1,2}[^ ]* [^ ]*) (?<ident>[a-zA-Z0-9_\/\.\-]*)(?:\[(?<pid>[0-9]+)\])?(?:[^\:]*\:)? *(?<message>.*)$",
            rfc5424: false),
        ["syslog-rfc3164"] = new("syslog-rfc3164",
            @"^\<(?<pri>[0-9]+)\>(?<time>[^ ]* {1,2}[^ ]* [^ ]*) (?<host>[^ ]*) (?<ident>[a-zA-Z0-9_\/\.\-]*)(?:\[(?<pid>[0-9]+)\])?(?:[^\:]*\:)? *(?<message>.*)$",
            rfc5424: false),
    };

    private static readonly string[] Months = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];

    private readonly Regex _regex;
    private readonly string[] _names;
    private readonly bool _rfc5424;

    private SyslogParser(string name, string pattern, bool rfc5424)
    {
        Name = name;
        _regex = new Regex(pattern, RegexOptions.CultureInvariant, TimeSpan.FromSeconds(1));
        // Named groups in the order they appear; the unnamed ones inside extradata are not fields.
        _names = [.. _regex.GetGroupNames().Where(n => !int.TryParse(n, out _))];
        _rfc5424 = rfc5424;
    }

    public string Name { get; }

    public bool TryParse(ReadOnlySpan<byte> message, IBufferWriter<byte> output, out EventTime time) =>
        TryParse(Decode(message), output, out time, out _);

    /// <summary>Writes the record's msgpack map; false when the message does not match.</summary>
    public bool TryParse(string message, IBufferWriter<byte> output, out EventTime time, out bool timeParsed)
    {
        time = EventTime.Now();
        timeParsed = false;
        Match match;
        try { match = _regex.Match(message); }
        catch (RegexMatchTimeoutException) { return false; }
        if (!match.Success) return false;
        int count = 0;
        foreach (var name in _names) if (match.Groups[name].Success) count++;
        var writer = new MessagePackWriter(output);
        writer.WriteMapHeader(count);
        foreach (var name in _names)
        {
            var group = match.Groups[name];
            if (!group.Success) continue;
            writer.Write(name);
            writer.Write(group.Value);
            if (name == "time") timeParsed = _rfc5424 ? TryRfc5424Time(group.Value, out time) : TryRfc3164Time(group.Value, out time);
        }
        writer.Flush();
        if (!timeParsed) time = EventTime.Now();
        return true;
    }

    // Time_Format %Y-%m-%dT%H:%M:%S.%L%z: fractional seconds and an offset (Z or +hh:mm).
    private static bool TryRfc5424Time(string text, out EventTime time)
    {
        time = default;
        if (!DateTimeOffset.TryParseExact(text, ["yyyy-MM-dd'T'HH:mm:ss.FFFFFFFK", "yyyy-MM-dd'T'HH:mm:ssK"], CultureInfo.InvariantCulture,
                DateTimeStyles.AdjustToUniversal, out var value)) return false;
        long ticks = value.UtcTicks - DateTimeOffset.UnixEpoch.UtcTicks;
        if (ticks < 0) return false;
        // .NET keeps 100 ns; the digits past the seventh are read by hand so that nanoseconds survive.
        uint nanos = (uint)(ticks % TimeSpan.TicksPerSecond * 100);
        int dot = text.IndexOf('.');
        if (dot > 0)
        {
            int end = dot + 1;
            while (end < text.Length && char.IsAsciiDigit(text[end])) end++;
            string digits = text[(dot + 1)..end].PadRight(9, '0')[..9];
            nanos = uint.Parse(digits, CultureInfo.InvariantCulture);
        }
        time = new EventTime((uint)(ticks / TimeSpan.TicksPerSecond), nanos);
        return true;
    }

    // Time_Format %b %d %H:%M:%S: no year, so the current one (as Fluent Bit), read as UTC.
    private static bool TryRfc3164Time(string text, out EventTime time)
    {
        time = default;
        var parts = text.Split(' ', StringSplitOptions.RemoveEmptyEntries);
        if (parts.Length != 3) return false;
        int month = Array.FindIndex(Months, m => m.Equals(parts[0], StringComparison.OrdinalIgnoreCase)) + 1;
        if (month == 0 || !int.TryParse(parts[1], NumberStyles.None, CultureInfo.InvariantCulture, out int day)) return false;
        if (!TimeSpan.TryParseExact(parts[2], @"hh\:mm\:ss", CultureInfo.InvariantCulture, out var clock)) return false;
        int year = DateTime.UtcNow.Year;
        if (day < 1 || day > DateTime.DaysInMonth(year, month)) return false;
        var value = new DateTime(year, month, day, 0, 0, 0, DateTimeKind.Utc) + clock;
        time = new EventTime((uint)(value - DateTime.UnixEpoch).TotalSeconds, 0);
        return true;
    }

    public static string Decode(ReadOnlySpan<byte> utf8) => Encoding.UTF8.GetString(utf8);
}

using System.Text;
using CoreAgent.Engine.Records;

namespace CoreAgent.Engine.Parsers.Time;

/// <summary>
/// A parser's Time_Format with its companions, resolved once: as flb_parser_create does, a format
/// without %Y/%y/%s gets "%Y " in front and the current year in front of the value (and the month
/// and day default to today's); %L splits the format so the fraction is read in between; a format
/// with %z, %Z, "%SZ" or "%S.%LZ" carries its own zone, so Time_Offset does not apply to it.
/// </summary>
public sealed class TimeSpec
{
    private static readonly double[] Pow10 = [1, 10, 100, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9];
    private readonly byte[] _head;
    private readonly byte[]? _afterFraction;
    private readonly bool _withYear;
    private readonly bool _withZone;
    private readonly int _offset;
    private readonly bool _systemZone;
    private readonly TimeZoneInfo? _zone;
    private readonly bool _strict;
    private readonly Func<DateTimeOffset> _now;

    public TimeSpec(string format, int offsetSeconds = 0, bool systemTimezone = false, TimeZoneInfo? zone = null,
        bool strict = true, Func<DateTimeOffset>? now = null)
    {
        Format = format;
        _now = now ?? (() => DateTimeOffset.UtcNow);
        bool epoch = false;
        if (format.Contains("%Y") || format.Contains("%y")) _withYear = true;
        else if (format.Contains("%s")) _withYear = epoch = true;
        string working = _withYear || epoch ? format : "%Y " + format;
        _withZone = format.Contains("%z") || format.Contains("%Z") || format.Contains("%SZ") || format.Contains("%S.%LZ");
        int fraction = working.IndexOf("%L", StringComparison.Ordinal);
        if (fraction >= 0)
        {
            _afterFraction = Encoding.UTF8.GetBytes(working[(fraction + 2)..]);
            working = working[..fraction];
        }
        _head = Encoding.UTF8.GetBytes(working);
        _systemZone = systemTimezone;
        _zone = systemTimezone ? null : zone;
        _offset = systemTimezone || zone is not null ? 0 : offsetSeconds;
        _strict = strict;
    }

    /// <summary>The format as configured (for messages).</summary>
    public string Format { get; }

    /// <summary>
    /// Reads a time value. False when it does not parse (Fluent Bit warns "invalid time format" then);
    /// with Time_Strict off a partial parse is accepted with what was read, as in Fluent Bit.
    /// </summary>
    public bool TryParse(ReadOnlySpan<byte> value, out EventTime time)
    {
        time = default;
        int nul = value.IndexOf((byte)0);
        if (nul >= 0) value = value[..nul]; // Fluent Bit hands strptime a C string
        var tm = new BrokenTime();
        scoped Span<byte> buffer = value.Length <= 200 ? stackalloc byte[value.Length + 8] : new byte[value.Length + 8];
        scoped ReadOnlySpan<byte> input;
        if (!_withYear)
        {
            var today = Today();
            tm.Month = today.Month - 1;
            tm.Day = today.Day;
            int year = Math.Clamp(today.Year, 0, 9999);
            buffer[0] = (byte)('0' + year / 1000);
            buffer[1] = (byte)('0' + year / 100 % 10);
            buffer[2] = (byte)('0' + year / 10 % 10);
            buffer[3] = (byte)('0' + year % 10);
            buffer[4] = (byte)' ';
            value.CopyTo(buffer[5..]);
            input = buffer[..(value.Length + 5)];
        }
        else
        {
            input = value;
        }

        double fraction = 0;
        int p = StrpTime.Parse(input, 0, _head, ref tm);
        if (p < 0) return !_strict && Compose(ref tm, 0, out time);
        if (_afterFraction is not null)
        {
            int digits = 0;
            while (p + digits < input.Length && digits < 9 && input[p + digits] is >= (byte)'0' and <= (byte)'9') digits++;
            if (digits == 0) return !_strict && Compose(ref tm, 0, out time);
            // strtod("0.<digits>") as Fluent Bit computes it, then truncated to nanoseconds: n / 10^digits
            // with both exact in a double is the correctly rounded value strtod gives, without a string.
            long numerator = 0;
            for (int i = 0; i < digits; i++) numerator = numerator * 10 + (input[p + i] - '0');
            fraction = numerator / Pow10[digits];
            p += digits;
            // A second strptime call, as in Fluent Bit: it starts again from a zero UTC offset.
            int after = StrpTime.Parse(input, p, _afterFraction, ref tm);
            if (after < 0) return !_strict && Compose(ref tm, fraction, out time);
        }
        return Compose(ref tm, fraction, out time);
    }

    private DateTime Today()
    {
        var now = _now();
        if (_zone is not null) return TimeZoneInfo.ConvertTime(now, _zone).DateTime;
        if (_systemZone) return now.ToLocalTime().DateTime;
        return now.UtcDateTime;
    }

    private bool Compose(ref BrokenTime tm, double fraction, out EventTime time)
    {
        time = default;
        long local = tm.ToUnixAsUtc();
        long seconds;
        if (_systemZone || (_zone is not null && !_withZone))
        {
            var zone = _zone ?? TimeZoneInfo.Local;
            try
            {
                var wall = DateTime.UnixEpoch.AddSeconds(local);
                seconds = local - (long)zone.GetUtcOffset(DateTime.SpecifyKind(wall, DateTimeKind.Unspecified)).TotalSeconds;
            }
            catch (ArgumentOutOfRangeException)
            {
                return false;
            }
        }
        else
        {
            long offset = _withZone ? tm.GmtOffset : _offset;
            seconds = local - offset;
        }
        if (seconds < 0 || seconds > uint.MaxValue) return false;
        long nanos = (long)(fraction * 1_000_000_000);
        time = new EventTime((uint)seconds, (uint)Math.Clamp(nanos, 0, 999_999_999));
        return true;
    }

    /// <summary>Fluent Bit's flb_parser_tzone_offset: Z, or ±hhmm / ±hh:mm. Null when it is not one.</summary>
    public static int? ParseOffset(string text)
    {
        var s = text.Trim();
        if (s.StartsWith('Z')) return 0;
        if (s.Length < 5 || s[0] is not ('+' or '-')) return null;
        var rest = s.AsSpan(1);
        if (!char.IsAsciiDigit(rest[0]) || !char.IsAsciiDigit(rest[1])) return null;
        int hours = (rest[0] - '0') * 10 + (rest[1] - '0');
        ReadOnlySpan<char> minutes = rest.Length == 5 && rest[2] == ':' ? rest.Slice(3, 2) : rest.Slice(2, 2);
        if (!char.IsAsciiDigit(minutes[0]) || !char.IsAsciiDigit(minutes[1])) return null;
        int mins = (minutes[0] - '0') * 10 + (minutes[1] - '0');
        if (hours > 59 || mins > 59) return null;
        int total = hours * 3600 + mins * 60;
        return s[0] == '-' ? -total : total;
    }
}

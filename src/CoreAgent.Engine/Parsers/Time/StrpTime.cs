namespace CoreAgent.Engine.Parsers.Time;

/// <summary>The broken-down time strptime fills: struct tm plus the parsed UTC offset.</summary>
internal struct BrokenTime
{
    public int Year; // full year (tm_year + 1900)
    public int Month; // 0..11
    public int Day; // 1..31; 0 means "the day before the 1st", as timegm reads it
    public int Hour, Minute, Second;
    public int YearDay = -1, WeekDay = -1;
    public long GmtOffset;

    public BrokenTime() { Year = 1900; }

    /// <summary>Seconds since the epoch of these fields read as UTC, normalising out-of-range values as timegm does.</summary>
    public readonly long ToUnixAsUtc()
    {
        long days = DaysFromCivil(Year, 1, 1);
        // Month may be out of range only if a caller set it so; keep timegm's carry.
        int month = Month, year = Year;
        year += month / 12;
        month %= 12;
        if (month < 0) { month += 12; year--; }
        days = DaysFromCivil(year, month + 1, 1) + (Day - 1);
        return days * 86_400 + Hour * 3_600L + Minute * 60L + Second;
    }

    /// <summary>Days from 1970-01-01 to the given civil date (proleptic Gregorian).</summary>
    public static long DaysFromCivil(long y, int m, int d)
    {
        y -= m <= 2 ? 1 : 0;
        long era = (y >= 0 ? y : y - 399) / 400;
        long yoe = y - era * 400;
        long doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
        long doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
        return era * 146_097 + doe - 719_468;
    }
}

/// <summary>
/// A strptime over UTF-8 bytes that follows Fluent Bit's flb_strptime (OpenBSD's, C locale):
/// whitespace in the format eats any run of whitespace, numbers take as many digits as their
/// range allows, %z takes Z, ±hh, ±hhmm, ±hh:mm, UT/UTC/GMT and the US zone names, %Z the
/// abbreviations Fluent Bit knows, %s seconds since the epoch. Text left over after the format is
/// not an error (the caller decides). Returns the position after the parsed text, or -1.
/// </summary>
internal static class StrpTime
{
    private const int FieldMonth = 1, FieldDay = 2, FieldWeekDay = 4, FieldYearDay = 8, FieldYear = 16;

    private static readonly string[] UsStandard = ["EST", "CST", "MST", "PST"], UsDaylight = ["EDT", "CDT", "MDT", "PDT"];
    private static readonly string[] Days = ["Sunday", "Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday"];
    private static readonly string[] AbDays = ["Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"];
    private static readonly string[] Months = ["January", "February", "March", "April", "May", "June", "July", "August", "September", "October", "November", "December"];
    private static readonly string[] AbMonths = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];

    private struct State
    {
        public int Century, RelYear, Fields;
    }

    public static int Parse(ReadOnlySpan<byte> input, int pos, ReadOnlySpan<byte> format, ref BrokenTime tm)
    {
        var state = new State { Century = 1900, RelYear = -1 };
        tm.GmtOffset = 0;
        int end = Run(input, pos, format, ref tm, ref state);
        if (end < 0) return -1;
        Finish(ref tm, ref state);
        return end;
    }

    private static bool IsSpace(byte c) => c is (byte)' ' or (byte)'\t' or (byte)'\n' or (byte)'\v' or (byte)'\f' or (byte)'\r';
    private static bool IsDigit(byte c) => c is >= (byte)'0' and <= (byte)'9';
    private static byte At(ReadOnlySpan<byte> s, int i) => i < s.Length ? s[i] : (byte)0;

    private static int Run(ReadOnlySpan<byte> bp, int p, ReadOnlySpan<byte> fmt, ref BrokenTime tm, ref State st)
    {
        int f = 0;
        while (f < fmt.Length)
        {
            byte c = fmt[f];
            if (IsSpace(c))
            {
                while (IsSpace(At(bp, p))) p++;
                f++;
                continue;
            }
            if (At(bp, p) == 0) return -1;
            f++;
            if (c != '%')
            {
                if (c != At(bp, p)) return -1;
                p++;
                continue;
            }
        again:
            if (f >= fmt.Length) return -1;
            c = fmt[f++];
            int value;
            switch ((char)c)
            {
                case '%':
                    if (At(bp, p) != '%') return -1;
                    p++;
                    break;
                case 'E':
                case 'O':
                    goto again;
                case 'c': p = Run(bp, p, "%a %b %e %H:%M:%S %Y"u8, ref tm, ref st); break;
                case 'D': p = Run(bp, p, "%m/%d/%y"u8, ref tm, ref st); break;
                case 'F': p = Run(bp, p, "%Y-%m-%d"u8, ref tm, ref st); break;
                case 'R': p = Run(bp, p, "%H:%M"u8, ref tm, ref st); break;
                case 'r': p = Run(bp, p, "%I:%M:%S %p"u8, ref tm, ref st); break;
                case 'T':
                case 'X': p = Run(bp, p, "%H:%M:%S"u8, ref tm, ref st); break;
                case 'x': p = Run(bp, p, "%m/%d/%y"u8, ref tm, ref st); break;
                case 'A':
                case 'a':
                    if ((p = Name(bp, p, Days, AbDays, out value)) < 0) return -1;
                    tm.WeekDay = value;
                    st.Fields |= FieldWeekDay;
                    break;
                case 'B':
                case 'b':
                case 'h':
                    if ((p = Name(bp, p, Months, AbMonths, out value)) < 0) return -1;
                    tm.Month = value;
                    st.Fields |= FieldMonth;
                    break;
                case 'C':
                    if ((p = Number(bp, p, 0, 99, out value)) < 0) return -1;
                    st.Century = value * 100;
                    break;
                case 'e':
                case 'd':
                    if (c == 'e' && IsSpace(At(bp, p))) p++;
                    if ((p = Number(bp, p, 1, 31, out tm.Day)) < 0) return -1;
                    st.Fields |= FieldDay;
                    break;
                case 'k':
                case 'H':
                    if ((p = Number(bp, p, 0, 23, out tm.Hour)) < 0) return -1;
                    break;
                case 'l':
                case 'I':
                    if ((p = Number(bp, p, 1, 12, out tm.Hour)) < 0) return -1;
                    break;
                case 'j':
                    if ((p = Number(bp, p, 1, 366, out value)) < 0) return -1;
                    tm.YearDay = value - 1;
                    st.Fields |= FieldYearDay;
                    break;
                case 'M':
                    if ((p = Number(bp, p, 0, 59, out tm.Minute)) < 0) return -1;
                    break;
                case 'm':
                    if ((p = Number(bp, p, 1, 12, out value)) < 0) return -1;
                    tm.Month = value - 1;
                    st.Fields |= FieldMonth;
                    break;
                case 'p':
                    if (StartsWithIgnoreCase(bp, p, "AM"))
                    {
                        if (tm.Hour > 12) return -1;
                        if (tm.Hour == 12) tm.Hour = 0;
                    }
                    else if (StartsWithIgnoreCase(bp, p, "PM"))
                    {
                        if (tm.Hour > 12) return -1;
                        if (tm.Hour < 12) tm.Hour += 12;
                    }
                    else return -1;
                    p += 2;
                    break;
                case 'S':
                    if ((p = Number(bp, p, 0, 60, out tm.Second)) < 0) return -1;
                    break;
                case 's':
                    if ((p = Epoch(bp, p, out long epoch)) < 0) return -1;
                    SetFromEpoch(ref tm, epoch);
                    tm.GmtOffset = 0;
                    st.Fields = 0xffff;
                    break;
                case 'U':
                case 'W':
                case 'V':
                case 'g':
                    if ((p = Number(bp, p, 0, c == 'g' ? 99 : 53, out _)) < 0) return -1;
                    break;
                case 'w':
                    if ((p = Number(bp, p, 0, 6, out value)) < 0) return -1;
                    tm.WeekDay = value;
                    st.Fields |= FieldWeekDay;
                    break;
                case 'u':
                    if ((p = Number(bp, p, 1, 7, out value)) < 0) return -1;
                    tm.WeekDay = value % 7;
                    st.Fields |= FieldWeekDay;
                    break;
                case 'G':
                    do p++; while (IsDigit(At(bp, p)));
                    break;
                case 'Y':
                    if ((p = Number(bp, p, 0, 9999, out value)) < 0) return -1;
                    st.RelYear = -1;
                    tm.Year = value;
                    st.Fields |= FieldYear;
                    break;
                case 'y':
                    if ((p = Number(bp, p, 0, 99, out st.RelYear)) < 0) return -1;
                    break;
                case 'Z':
                    if ((p = ZoneName(bp, p, ref tm)) < 0) return -1;
                    break;
                case 'z':
                    if ((p = ZoneOffset(bp, p, ref tm)) < 0) return -1;
                    break;
                case 'n':
                case 't':
                    while (IsSpace(At(bp, p))) p++;
                    break;
                default:
                    return -1;
            }
            if (p < 0) return -1;
        }
        return p;
    }

    private static void Finish(ref BrokenTime tm, ref State st)
    {
        if (st.RelYear != -1)
        {
            tm.Year = st.Century == 1900 ? (st.RelYear <= 68 ? st.RelYear + 2000 : st.RelYear + 1900) : st.RelYear + st.Century;
            st.Fields |= FieldYear;
        }
        if ((st.Fields & FieldYear) == 0 || (st.Fields & FieldYearDay) == 0 || (st.Fields & FieldMonth) != 0) return;
        // %j with a year but no month: derive month and day as flb_strptime does.
        bool leap = DateTime.IsLeapYear(Math.Clamp(tm.Year, 1, 9999));
        int days = tm.YearDay, month = 0;
        while (month < 12 && days >= DateTime.DaysInMonth(leap ? 2000 : 2001, month + 1))
            days -= DateTime.DaysInMonth(leap ? 2000 : 2001, ++month);
        tm.Month = month;
        if ((st.Fields & FieldDay) == 0) tm.Day = days + 1;
    }

    /// <summary>Fluent Bit's _conv_num: digits while the value can still grow within the upper limit.</summary>
    private static int Number(ReadOnlySpan<byte> bp, int p, int low, int high, out int value)
    {
        value = 0;
        if (!IsDigit(At(bp, p))) return -1;
        int result = 0, remaining = high;
        do
        {
            result = result * 10 + (bp[p++] - '0');
            remaining /= 10;
        } while (result * 10 <= high && remaining != 0 && IsDigit(At(bp, p)));
        if (result < low || result > high) return -1;
        value = result;
        return p;
    }

    private static int Epoch(ReadOnlySpan<byte> bp, int p, out long value)
    {
        value = 0;
        if (!IsDigit(At(bp, p))) return -1;
        long result = 0;
        do
        {
            if (result > 922_337_203_685_477_580) return -1;
            result = result * 10 + (bp[p++] - '0');
            if (result >= 922_337_203_685_477_580) return -1;
        } while (IsDigit(At(bp, p)));
        value = result;
        return p;
    }

    private static void SetFromEpoch(ref BrokenTime tm, long epoch)
    {
        var date = DateTimeOffset.FromUnixTimeSeconds(Math.Clamp(epoch, -62_135_596_800, 253_402_300_799)).UtcDateTime;
        tm.Year = date.Year;
        tm.Month = date.Month - 1;
        tm.Day = date.Day;
        tm.Hour = date.Hour;
        tm.Minute = date.Minute;
        tm.Second = date.Second;
        tm.YearDay = date.DayOfYear - 1;
        tm.WeekDay = (int)date.DayOfWeek;
    }

    /// <summary>Full name first, then the abbreviation, for each entry in order (as flb_strptime).</summary>
    private static int Name(ReadOnlySpan<byte> bp, int p, string[] full, string[] abbreviated, out int index)
    {
        for (index = 0; index < full.Length; index++)
        {
            if (StartsWithIgnoreCase(bp, p, full[index])) return p + full[index].Length;
            if (StartsWithIgnoreCase(bp, p, abbreviated[index])) return p + abbreviated[index].Length;
        }
        return -1;
    }

    private static bool StartsWithIgnoreCase(ReadOnlySpan<byte> bp, int p, string text)
    {
        if (bp.Length - p < text.Length) return false;
        for (int i = 0; i < text.Length; i++)
            if (char.ToLowerInvariant((char)bp[p + i]) != char.ToLowerInvariant(text[i])) return false;
        return true;
    }

    private static int ZoneName(ReadOnlySpan<byte> bp, int p, ref BrokenTime tm)
    {
        foreach (var (abbr, offset) in KnownZones.All)
        {
            if (!StartsWithIgnoreCase(bp, p, abbr)) continue;
            byte next = At(bp, p + abbr.Length);
            if (char.IsAsciiLetterOrDigit((char)next)) continue;
            tm.GmtOffset = offset;
            return p + abbr.Length;
        }
        // Fluent Bit falls back to the system's tzname; CoreAgent knows only the table above.
        return -1;
    }

    private static int ZoneOffset(ReadOnlySpan<byte> bp, int p, ref BrokenTime tm)
    {
        while (IsSpace(At(bp, p))) p++;
        bool negative;
        switch ((char)At(bp, p++))
        {
            case 'G':
                if (At(bp, p++) != 'M' || At(bp, p++) != 'T') return -1;
                tm.GmtOffset = 0;
                return p;
            case 'U':
                if (At(bp, p++) != 'T') return -1;
                if (At(bp, p) == 'C') p++;
                tm.GmtOffset = 0;
                return p;
            case 'Z':
                tm.GmtOffset = 0;
                return p;
            case '+': negative = false; break;
            case '-': negative = true; break;
            default:
                p--;
                for (int i = 0; i < 4; i++)
                {
                    if (StartsWithIgnoreCase(bp, p, UsStandard[i])) { tm.GmtOffset = (-5 - i) * 3600; return p + 3; }
                }
                for (int i = 0; i < 4; i++)
                {
                    if (StartsWithIgnoreCase(bp, p, UsDaylight[i])) { tm.GmtOffset = (-4 - i) * 3600; return p + 3; }
                }
                return -1;
        }
        if (!IsDigit(At(bp, p)) || !IsDigit(At(bp, p + 1))) return -1;
        long offset = ((bp[p] - '0') * 10 + (bp[p + 1] - '0')) * 3600L;
        p += 2;
        if (At(bp, p) == ':') p++;
        if (IsDigit(At(bp, p)))
        {
            offset += (bp[p++] - '0') * 600;
            if (!IsDigit(At(bp, p))) return -1;
            offset += (bp[p++] - '0') * 60;
        }
        tm.GmtOffset = negative ? -offset : offset;
        return p;
    }
}

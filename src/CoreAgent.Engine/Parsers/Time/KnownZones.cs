namespace CoreAgent.Engine.Parsers.Time;

/// <summary>The zone abbreviations %Z knows, in the order flb_strptime tries them (first match wins).</summary>
internal static class KnownZones
{
    private const int H = 3600;

    public static readonly (string Abbr, int Offset)[] All =
    [
        ("GMT", 0), ("UTC", 0), ("Z", 0), ("UT", 0),
        ("EST", -5 * H), ("EDT", -4 * H), ("CST", -6 * H), ("CDT", -5 * H), ("MST", -7 * H), ("MDT", -6 * H),
        ("PST", -8 * H), ("PDT", -7 * H), ("AKST", -9 * H), ("AKDT", -8 * H), ("HST", -10 * H), ("HADT", -9 * H),
        ("AST", -4 * H), ("ADT", -3 * H), ("NST", -(int)(3.5 * H)), ("NDT", -(int)(2.5 * H)),
        ("WET", 0), ("WEST", 1 * H), ("CET", 1 * H), ("CEST", 2 * H), ("EET", 2 * H), ("EEST", 3 * H), ("MSK", 3 * H),
        ("ART", -3 * H), ("BRT", -3 * H), ("BRST", -2 * H), ("CLT", -4 * H), ("CLST", -3 * H),
        ("AEST", 10 * H), ("AEDT", 11 * H), ("ACST", (int)(9.5 * H)), ("ACDT", (int)(10.5 * H)), ("AWST", 8 * H),
        ("NZST", 12 * H), ("NZDT", 13 * H),
        ("JST", 9 * H), ("KST", 9 * H), ("SGT", 8 * H), ("IST", (int)(5.5 * H)), ("GST", 4 * H), ("ICT", 7 * H),
        ("WIB", 7 * H), ("WITA", 8 * H), ("WIT", 9 * H), ("MYT", 8 * H), ("BDT", 6 * H), ("NPT", (int)(5.75 * H)),
        ("WAT", 1 * H), ("CAT", 2 * H), ("EAT", 3 * H), ("SAST", 2 * H),
        ("A", 1 * H), ("B", 2 * H), ("C", 3 * H), ("D", 4 * H), ("E", 5 * H), ("F", 6 * H), ("G", 7 * H), ("H", 8 * H),
        ("I", 9 * H), ("K", 10 * H), ("L", 11 * H), ("M", 12 * H), ("N", -1 * H), ("O", -2 * H), ("P", -3 * H),
        ("Q", -4 * H), ("R", -5 * H), ("S", -6 * H), ("T", -7 * H), ("U", -8 * H), ("V", -9 * H), ("W", -10 * H),
        ("X", -11 * H), ("Y", -12 * H),
    ];
}

using System.Text;
using System.Text.RegularExpressions;
using CoreAgent.Engine.Parsers.Onigmo;
using CoreAgent.Engine.Parsers.Time;
using CoreAgent.Engine.Records;

namespace CoreAgent.Engine.Tests.Parsers;

public class TimeFormatTests
{
    private static EventTime? Parse(string format, string value, int offset = 0, bool strict = true, TimeZoneInfo? zone = null)
    {
        var spec = new TimeSpec(format, offset, zone: zone, strict: strict, now: () => ParserTestSupport.Now);
        return spec.TryParse(Encoding.UTF8.GetBytes(value), out var time) ? time : null;
    }

    [Theory]
    [InlineData("%Y-%m-%dT%H:%M:%S", "2020-01-02T03:04:05", 1577934245u, 0u)]
    [InlineData("%Y-%m-%dT%H:%M:%S.%L", "2020-01-02T03:04:05.5", 1577934245u, 500_000_000u)]
    [InlineData("%Y-%m-%dT%H:%M:%S.%L", "2020-01-02T03:04:05.123456789123", 1577934245u, 123456789u)]
    [InlineData("%Y-%m-%dT%H:%M:%S.%L%z", "2020-01-02T05:04:05.25+02:00", 1577934245u, 250_000_000u)]
    [InlineData("%Y-%m-%dT%H:%M:%S%z", "2020-01-02T03:04:05Z", 1577934245u, 0u)]
    [InlineData("%Y-%m-%d %H:%M:%S %z", "2020-01-01 22:04:05 -0500", 1577934245u, 0u)]
    [InlineData("%Y-%m-%d %H:%M:%S %z", "2020-01-01 22:04:05 EST", 1577934245u, 0u)]
    [InlineData("%Y-%m-%d %H:%M:%S %Z", "2020-01-02 12:04:05 JST", 1577934245u, 0u)]
    [InlineData("%Y-%m-%d %H:%M:%S %Z", "2020-01-02 03:04:05 utc", 1577934245u, 0u)]
    [InlineData("%s", "1577934245", 1577934245u, 0u)]
    [InlineData("%s.%L", "1577934245.75", 1577934245u, 750_000_000u)]
    [InlineData("%d/%b/%Y:%H:%M:%S", "02/January/2020:03:04:05", 1577934245u, 0u)]
    [InlineData("%a, %d %b %Y %I:%M:%S %p", "Thu, 02 jan 2020 03:04:05 am", 1577934245u, 0u)]
    [InlineData("%Y-%m-%d %I:%M:%S %p", "2020-01-01 03:04:05 PM", 1577891045u, 0u)]
    [InlineData("%y%m%d %H%M%S", "200102 030405", 1577934245u, 0u)]
    [InlineData("%Y-%j %T", "2020-002 03:04:05", 1577934245u, 0u)]
    [InlineData("%F %T trailing ignored", "2020-01-02 03:04:05 trailing ignored and more", 1577934245u, 0u)]
    [InlineData("%Y  %m", "2020\t\t01", 1577750400u, 0u)] // no day: the 0th, i.e. Dec 31 (timegm)
    public void Formats_as_flb_strptime_reads_them(string format, string value, uint seconds, uint nanos) =>
        Assert.Equal(new EventTime(seconds, nanos), Parse(format, value));

    [Theory]
    [InlineData("%Y-%m-%d", "2020-13-01")]
    [InlineData("%Y-%m-%d", "2020-01")]
    [InlineData("%H:%M", "25:00")]
    [InlineData("%Y-%m-%dT%H:%M:%S.%L", "2020-01-02T03:04:05.")]
    [InlineData("%Y-%m-%d %Z", "2020-01-02 XYZT")]
    [InlineData("%Q", "x")]
    [InlineData("%Y", "")]
    public void Values_that_do_not_fit_fail(string format, string value) => Assert.Null(Parse(format, value));

    [Fact]
    public void No_year_takes_the_current_one_and_month_and_day_default_to_today()
    {
        Assert.Equal(new EventTime(1772582400u + 13 * 3600 + 14 * 60, 0), Parse("%H:%M", "13:14")); // 2026-03-04 13:14
        Assert.Equal(new EventTime(1791756855, 0), Parse("%b %d %H:%M:%S", "Oct 11 22:14:15"));
    }

    [Fact]
    public void Time_offset_applies_only_without_a_zone_in_the_format()
    {
        Assert.Equal(new EventTime(1577934245 - 9 * 3600, 0), Parse("%Y-%m-%d %H:%M:%S", "2020-01-02 03:04:05", offset: 9 * 3600));
        Assert.Equal(new EventTime(1577934245, 0), Parse("%Y-%m-%d %H:%M:%S%z", "2020-01-02 03:04:05Z", offset: 9 * 3600));
        Assert.Equal(9 * 3600, TimeSpec.ParseOffset("+0900"));
        Assert.Equal(-(5 * 3600 + 30 * 60), TimeSpec.ParseOffset("-05:30"));
        Assert.Null(TimeSpec.ParseOffset("0900"));
    }

    [Fact]
    public void Time_zone_reads_naive_times_in_that_zone()
    {
        var tokyo = TimeZoneInfo.FindSystemTimeZoneById("Asia/Tokyo");
        Assert.Equal(new EventTime(1577934245, 0), Parse("%Y-%m-%d %H:%M:%S", "2020-01-02 12:04:05", zone: tokyo));
        var paris = TimeZoneInfo.FindSystemTimeZoneById("Europe/Paris");
        Assert.Equal(new EventTime(1593651845 - 7200, 0), Parse("%Y-%m-%d %H:%M:%S", "2020-07-02 01:04:05", zone: paris)); // summer: +02:00
    }

    [Fact]
    public void Time_strict_off_accepts_what_was_read()
    {
        Assert.Null(Parse("%Y-%m-%d %H:%M", "2020-01-02 xx"));
        Assert.Equal(new EventTime(1577923200, 0), Parse("%Y-%m-%d %H:%M", "2020-01-02 xx", strict: false));
    }
}

public class OnigmoTranslationTests
{
    private static bool Matches(string onigmo, string input) => Compile(onigmo).IsMatch(input);

    private static Regex Compile(string onigmo)
    {
        var t = OnigmoTranslator.Translate(onigmo);
        Assert.Empty(t.Errors);
        return new Regex(t.Pattern, t.Options);
    }

    [Fact]
    public void Shorthand_classes_are_ascii_only_as_in_ruby_syntax()
    {
        Assert.False(Matches(@"^\d$", "\u0663")); // ARABIC-INDIC DIGIT THREE: \d in .NET, not in Ruby
        Assert.False(Matches(@"^\w$", "\u00e9"));
        Assert.True(Matches(@"^[\w-.]+$", "a-b.c_9"));
        Assert.False(Matches(@"^[\w-.]+$", "a,b"));
        Assert.True(Matches(@"^\S+\s\D$", "ab\tx"));
    }

    [Fact]
    public void Ruby_only_escapes_and_quantifiers()
    {
        Assert.True(Matches(@"^\h+\H$", "0aF9z"));
        Assert.True(Matches(@"^a{,2}$", "aa"));
        Assert.False(Matches(@"^a{,2}$", "aaa"));
        Assert.True(Matches(@"^\x41\x{263A}\y$", "A\u263Ay"));
        Assert.False(Matches(@"^a*+a$", "aaa")); // possessive: gives nothing back
        Assert.True(Matches(@"^(?:ab){2}+$", "abababab")); // a repeat of a repeat, not possessive
        Assert.True(Matches(@"^a\R b$", "a\r\n b"));
        Assert.Equal("b", Compile(@"a\K(?<x>b)").Match("ab").Groups["x"].Value);
    }

    [Fact]
    public void Options_and_brackets()
    {
        Assert.True(Matches(@"^(?m)a.b$", "a\nb")); // Ruby's m is dotall
        Assert.True(Matches(@"/a.b/m", "a\nb"));
        Assert.True(Matches(@"/A/i", "a"));
        Assert.True(Matches(@"^x$", "line\nx\nmore")); // ^ and $ are line anchors
        Assert.True(Matches(@"^[[:alpha:]]+[[:digit:]][[:^space:]]$", "ab\u00e91!"));
        Assert.True(Matches(@"^[a-z&&[^aeiou]]+$", "bcd"));
        Assert.False(Matches(@"^[a-z&&[^aeiou]]+$", "bad"));
        Assert.True(Matches(@"^\p{^Alpha}$", "1"));
        Assert.True(Matches(@"^(?<a>x)?(?(<a>)y|z)$", "xy"));
        Assert.True(Matches(@"^(?<a>x)?(?(<a>)y|z)$", "z"));
    }

    [Fact]
    public void Unnamed_groups_do_not_capture_when_names_exist()
    {
        var t = OnigmoTranslator.Translate(@"^(a)(?<n>b)$");
        Assert.True((t.Options & RegexOptions.ExplicitCapture) != 0);
        Assert.Equal(["n"], t.GroupNames);
    }

    [Theory]
    [InlineData(@"\X", @"\X")]
    [InlineData(@"(?<a>x)\g<a>", @"\g")]
    [InlineData(@"(?~abc)", "absence")]
    [InlineData(@"[\Dx]", "mixes negated")]
    public void What_cannot_be_translated_is_reported(string onigmo, string expected) =>
        Assert.Contains(OnigmoTranslator.Translate(onigmo).Errors, e => e.Contains(expected));
}

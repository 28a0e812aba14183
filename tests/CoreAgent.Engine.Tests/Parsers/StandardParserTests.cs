using CoreAgent.Engine.Logging;
using CoreAgent.Engine.Records;
using static CoreAgent.Engine.Tests.Parsers.ParserTestSupport;

namespace CoreAgent.Engine.Tests.Parsers;

/// <summary>The parsers of Fluent Bit's conf/parsers.conf on the lines they are written for: fields, types, times.</summary>
public class StandardParserTests
{
    [Fact]
    public void Apache2_makes_string_fields_and_reads_the_zone()
    {
        var parser = Create(StandardParsers.Apache2);
        var body = Parse(parser, """192.168.0.1 - frank [10/Oct/2000:13:55:36 -0700] "GET /apache_pb.gif HTTP/1.0" 200 2326 "http://www.example.com/start.html" "Mozilla/4.08 [en] (Win98; I ;Nav)" """.TrimEnd(), out var time);
        Assert.Equal("""{"host":"192.168.0.1","user":"frank","method":"GET","path":"/apache_pb.gif","code":"200","size":"2326","referer":"http://www.example.com/start.html","agent":"Mozilla/4.08 [en] (Win98; I ;Nav)"}""", body);
        Assert.Equal(new EventTime(971211336, 0), time);
    }

    [Fact]
    public void Apache2_without_referer_and_agent_leaves_them_out()
    {
        var parser = Create(StandardParsers.Apache2);
        var body = Parse(parser, """::1 - - [10/Oct/2000:13:55:36 +0000] "GET / HTTP/1.1" 304 -""", out var time);
        Assert.Equal("""{"host":"::1","user":"-","method":"GET","path":"/","code":"304","size":"-"}""", body);
        Assert.Equal(new EventTime(971186136, 0), time);
    }

    [Fact]
    public void Nginx_line()
    {
        var parser = Create(StandardParsers.Nginx);
        var body = Parse(parser, """172.17.0.1 - - [06/Jul/2017:18:14:00 +0000] "GET /x HTTP/1.1" 404 153 "-" "curl/7.52.1" """, out var time);
        Assert.Equal("""{"remote":"172.17.0.1","host":"-","user":"-","method":"GET","path":"/x","code":"404","size":"153","referer":"-","agent":"curl/7.52.1"}""", body);
        Assert.Equal(new EventTime(1499364840, 0), time);
    }

    [Fact]
    public void Syslog_rfc5424_keeps_the_time_and_reads_milliseconds()
    {
        var parser = Create(StandardParsers.Syslog5424);
        var body = Parse(parser, """<165>1 2003-10-11T22:14:15.003Z mymachine.example.com evntslog - ID47 [exampleSDID@32473 iut="3"] An application event""", out var time);
        Assert.Equal("""{"pri":"165","time":"2003-10-11T22:14:15.003Z","host":"mymachine.example.com","ident":"evntslog","pid":"-","msgid":"ID47","extradata":"[exampleSDID@32473 iut="3"]","message":"An application event"}""", body);
        Assert.Equal(new EventTime(1065910455, 3_000_000), time);
    }

    [Fact]
    public void Syslog_rfc3164_takes_the_current_year_and_leaves_out_a_missing_pid()
    {
        var parser = Create(StandardParsers.Syslog3164);
        var body = Parse(parser, "<34>Oct 11 22:14:15 mymachine su: 'su root' failed for lonvick on /dev/pts/8", out var time);
        Assert.Equal("""{"pri":"34","time":"Oct 11 22:14:15","host":"mymachine","ident":"su","message":"'su root' failed for lonvick on /dev/pts/8"}""", body);
        Assert.Equal(new EventTime(1791756855, 0), time); // 2026, the year of "now"
        var withPid = Parse(parser, "<13>Feb  5 17:32:18 10.0.0.99 myproc[8710]: hello", out _);
        Assert.Equal("""{"pri":"13","time":"Feb  5 17:32:18","host":"10.0.0.99","ident":"myproc","pid":"8710","message":"hello"}""", withPid);
    }

    [Fact]
    public void Docker_json_keeps_the_time_with_nanoseconds()
    {
        var parser = Create(StandardParsers.Docker);
        var body = Parse(parser, """{"log":"hello\n","stream":"stdout","time":"2019-08-16T18:43:59.123456789Z"}""", out var time);
        Assert.Equal("{\"log\":\"hello\n\",\"stream\":\"stdout\",\"time\":\"2019-08-16T18:43:59.123456789Z\"}", body);
        Assert.Equal(new EventTime(1565981039, 123456789), time);
    }

    [Fact]
    public void Cri_line_reads_a_colon_offset()
    {
        var parser = Create(StandardParsers.Cri);
        var body = Parse(parser, "2019-01-01T00:00:00.123456789+01:00 stdout F hello world", out var time);
        Assert.Equal("""{"time":"2019-01-01T00:00:00.123456789+01:00","stream":"stdout","logtag":"F","message":"hello world"}""", body);
        Assert.Equal(new EventTime(1546297200, 123456789), time);
    }

    [Fact]
    public void Mongodb_lazy_message_and_optional_ms()
    {
        var parser = Create(StandardParsers.Mongodb);
        var body = Parse(parser, "2019-11-19T09:39:27.123+0000 I COMMAND  [conn1] command: find 123ms", out var time);
        Assert.Equal("""{"time":"2019-11-19T09:39:27.123+0000","severity":"I","component":"COMMAND","context":"conn1","message":"command: find","ms":"123"}""", body);
        Assert.Equal(new EventTime(1574156367, 123_000_000), time);
    }

    [Fact]
    public void Json_parser_removes_the_time_key_when_it_parses()
    {
        var parser = Create(StandardParsers.Json);
        var body = Parse(parser, """{"time":"10/Oct/2000:13:55:36 -0700","n":1}""", out var time);
        Assert.Equal("""{"n":1}""", body);
        Assert.Equal(new EventTime(971211336, 0), time);
    }

    [Fact]
    public void Json_time_that_does_not_parse_keeps_the_key_warns_and_gives_no_time()
    {
        var log = new AgentLog();
        var entries = new List<LogEntry>();
        log.Written += entries.Add;
        var parser = Create(log, StandardParsers.Json);
        var body = Parse(parser, """{"time":"yesterday","n":1}""", out var time);
        Assert.Equal("""{"time":"yesterday","n":1}""", body);
        Assert.Null(time);
        var warning = Assert.Single(entries);
        Assert.Equal(LogLevel.Warn, warning.Level);
        Assert.Contains("invalid time format %d/%b/%Y:%H:%M:%S %z for 'yesterday'", warning.Message);
    }

    [Fact]
    public void Regex_time_that_does_not_parse_drops_the_field_even_with_time_keep()
    {
        var parser = Create(StandardParsers.Syslog5424);
        var body = Parse(parser, "<165>1 not-a-time host app 12 - - hello", out var time);
        Assert.Equal("""{"pri":"165","host":"host","ident":"app","pid":"12","msgid":"-","extradata":"-","message":"hello"}""", body);
        Assert.Null(time);
    }

    [Fact]
    public void Logfmt_values_bare_keys_and_escapes()
    {
        var parser = Create(StandardParsers.Logfmt);
        var body = Parse(parser, """level=info msg="hello \"world\"\tx" empty="" bare ts=12 k=v=w""", out var time);
        Assert.Equal("{\"level\":\"info\",\"msg\":\"hello \"world\"\tx\",\"empty\":\"\",\"bare\":true,\"ts\":\"12\",\"k\":\"v\",\"w\":true}", body);
        Assert.Null(time);
    }
}

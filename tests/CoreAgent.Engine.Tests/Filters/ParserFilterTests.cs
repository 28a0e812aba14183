using CoreAgent.Engine.Logging;
using CoreAgent.Engine.Parsers;
using CoreAgent.Engine.Plugins;
using CoreAgent.Engine.Plugins.Filters.Parser;
using CoreAgent.Engine.Plugins.Properties;
using CoreAgent.Engine.Records;
using CoreAgent.Engine.Tests.Parsers;
using CoreAgent.Engine.Tests.Support;

namespace CoreAgent.Engine.Tests.Filters;

/// <summary>The parser filter as filter_parser.c behaves: which fields stay, which time the record gets.</summary>
public class ParserFilterTests
{
    private static ParserRegistry Registry()
    {
        var problems = new List<ParserProblem>();
        var registry = ParserRegistry.Create(
        [
            ParserDefinition.Of(StandardParsers.Docker),
            ParserDefinition.Of(StandardParsers.Apache2),
            ParserDefinition.Of(("Name", "kv"), ("Format", "logfmt")),
            ParserDefinition.Of(("Name", "digits"), ("Format", "regex"), ("Regex", @"^(?<n>\d+)$"), ("Types", "n:integer")),
        ], null, problems);
        Assert.Empty(problems);
        return registry;
    }

    private static ParserFilter Init(params (string Key, string Value)[] properties)
    {
        var props = new PluginProperties();
        props.Set("match", "*");
        foreach (var (key, value) in properties) props.Add(key, value);
        var filter = new ParserFilter();
        filter.Init(new FilterContext("parser.0", props, new AgentLog(), Guid.Empty) { Parsers = Registry() });
        return filter;
    }

    private static (string[] Bodies, EventTime[] Times) Run(ParserFilter filter, params string[] bodies)
    {
        var result = filter.Filter(FilterEvents.ChunkOf("t", bodies));
        var events = result.IsModified ? result.Events : FilterEvents.Encode(bodies);
        var slices = EventReader.ReadAll(events);
        return ([.. FilterEvents.Bodies(events)], [.. slices.Select(s => s.Time)]);
    }

    private const string Apache = """192.168.0.1 - frank [10/Oct/2000:13:55:36 -0700] "GET / HTTP/1.0" 200 5""";

    [Fact]
    public void Parsed_fields_replace_the_record_and_its_time()
    {
        var (bodies, times) = Run(Init(("key_name", "log"), ("parser", "apache2")), $$"""{"log":{{System.Text.Json.JsonSerializer.Serialize(Apache)}},"other":1}""");
        Assert.Equal("""{"host":"192.168.0.1","user":"frank","method":"GET","path":"/","code":"200","size":"5"}""", Assert.Single(bodies));
        Assert.Equal(new EventTime(971211336, 0), times[0]);
    }

    [Fact]
    public void Reserve_data_appends_the_other_fields_and_preserve_key_keeps_the_key()
    {
        var body = """{"a":1,"log":"x=1","b":"two"}""";
        Assert.Equal("""{"x":"1","a":1,"b":"two"}""", Run(Init(("key_name", "log"), ("parser", "kv"), ("reserve_data", "on")), body).Bodies[0]);
        Assert.Equal("""{"x":"1","a":1,"log":"x=1","b":"two"}""", Run(Init(("key_name", "log"), ("parser", "kv"), ("reserve_data", "on"), ("preserve_key", "on")), body).Bodies[0]);
        Assert.Equal("""{"x":"1","log":"x=1"}""", Run(Init(("key_name", "log"), ("parser", "kv"), ("preserve_key", "on")), body).Bodies[0]);
    }

    [Fact]
    public void The_first_parser_that_parses_wins_and_the_record_time_stays_without_a_parsed_time()
    {
        var filter = Init(("key_name", "log"), ("parser", "digits"), ("parser", "docker"));
        var (bodies, times) = Run(filter, """{"log":"42"}""", """{"log":"{\"time\":\"2019-08-16T18:43:59.5\",\"m\":1}"}""", """{"log":"neither"}""", """{"nolog":1}""");
        Assert.Equal(["""{"n":42}""", """{"time":"2019-08-16T18:43:59.5","m":1}""", """{"log":"neither"}""", """{"nolog":1}"""], bodies);
        Assert.Equal([FilterEvents.Time, new EventTime(1565981039, 500_000_000), FilterEvents.Time, FilterEvents.Time], times);
    }

    [Fact]
    public void Nothing_parsed_leaves_the_chunk_unchanged()
    {
        var filter = Init(("key_name", "log"), ("parser", "digits"));
        Assert.False(filter.Filter(FilterEvents.ChunkOf("t", """{"log":"abc"}""", """{"log":5}""")).IsModified);
    }

    [Fact]
    public void Record_accessor_key_keeps_the_key_with_reserve_data()
    {
        var body = """{"k":{"raw":"7"},"a":1}""";
        Assert.Equal("""{"n":7,"k":{"raw":"7"},"a":1}""", Run(Init(("key_name", "$k['raw']"), ("parser", "digits"), ("reserve_data", "on")), body).Bodies[0]);
        Assert.Equal("""{"n":7}""", Run(Init(("key_name", "$k['raw']"), ("parser", "digits"), ("preserve_key", "on")), body).Bodies[0]);
    }

    [Fact]
    public void Missing_key_name_or_unknown_parser_fail_init()
    {
        Assert.Contains("key_name", Assert.Throws<PropertyException>(() => Init(("parser", "kv"))).Message);
        var unknown = Assert.Throws<PropertyException>(() => Init(("key_name", "log"), ("parser", "nope")));
        Assert.Contains("requested parser 'nope' not found", unknown.Message);
        Assert.Contains("apache2", unknown.Message);
    }
}

using CoreAgent.Engine.Logging;
using CoreAgent.Engine.Pipeline;
using CoreAgent.Engine.Plugins;
using CoreAgent.Engine.Plugins.Filters;
using CoreAgent.Engine.Plugins.Properties;
using CoreAgent.Engine.Tests.Support;
using static CoreAgent.Engine.Tests.Support.Pipelines;

namespace CoreAgent.Engine.Tests.Filters;

public class GrepFilterTests
{
    private static readonly string[] Logs =
    [
        """{"log":"aaa","level":"info"}""",
        """{"log":"aab","level":"error"}""",
        """{"log":"bbb","level":"error"}""",
        """{"level":"debug"}""",
        """{"log":7,"level":"info"}""",
    ];

    private static GrepFilter Init(params (string Key, string Value)[] properties)
    {
        var props = new PluginProperties();
        props.Set("name", "grep");
        props.Set("match", "*");
        foreach (var (key, value) in properties) props.Set(key, value);
        var filter = new GrepFilter();
        filter.Init(new FilterContext("grep.0", props, new AgentLog(), Guid.Empty));
        return filter;
    }

    /// <summary>The bodies that pass: all of them when the filter answered "unchanged".</summary>
    private static string[] Run(GrepFilter filter, params string[] bodies) =>
        Answer(filter, bodies) ?? FilterEvents.Bodies(FilterEvents.Encode(bodies));

    /// <summary>The bodies that pass, or null when the filter answered "unchanged".</summary>
    private static string[]? Answer(GrepFilter filter, params string[] bodies)
    {
        var chunk = FilterEvents.ChunkOf("t", bodies);
        var result = filter.Filter(chunk);
        if (!result.IsModified) return null;
        Assert.Equal(result.RecordCount, FilterEvents.Bodies(result.Events).Length);
        return FilterEvents.Bodies(result.Events);
    }

    [Fact]
    public void Regex_keeps_the_records_whose_key_matches_anywhere_in_the_value()
    {
        Assert.Equal([Logs[0], Logs[1]], Run(Init(("regex", "log aa")), Logs));
    }

    [Fact]
    public void Exclude_drops_the_records_whose_key_matches_and_keeps_missing_or_non_string_values()
    {
        Assert.Equal([Logs[0], Logs[3], Logs[4]], Run(Init(("exclude", "level err")), Logs));
        Assert.Equal([Logs[2], Logs[3], Logs[4]], Run(Init(("exclude", "log ^aa")), Logs));
    }

    [Fact]
    public void A_missing_key_or_a_value_that_is_not_a_string_never_matches()
    {
        Assert.Equal([Logs[0], Logs[1], Logs[2]], Run(Init(("regex", "log .*")), Logs));
        Assert.Equal(["""{"n":"7"}"""], Run(Init(("regex", "n 7")), """{"n":7}""", """{"n":"7"}""", """{"n":[7]}"""));
    }

    [Fact]
    public void A_chunk_that_keeps_everything_is_unchanged_and_one_that_keeps_nothing_is_dropped()
    {
        Assert.Null(Answer(Init(("regex", "level .")), Logs));
        var none = FilterEvents.ChunkOf("t", Logs);
        var result = Init(("regex", "level nothing")).Filter(none);
        Assert.True(result.IsModified);
        Assert.Equal(0, result.RecordCount);
        Assert.True(result.Events.IsEmpty);
    }

    [Fact]
    public void Kept_events_are_copied_byte_for_byte_with_time_and_metadata()
    {
        var chunk = FilterEvents.ChunkOf("t", Logs);
        var result = Init(("regex", "level error")).Filter(chunk);

        var expected = FilterEvents.Encode(Logs[1], Logs[2]);
        Assert.Equal(expected, result.Events.ToArray());
        Assert.Equal(2, result.RecordCount);
    }

    [Fact]
    public void The_record_accessor_reaches_nested_maps_and_arrays()
    {
        string[] bodies =
        [
            """{"kubernetes":{"labels":{"app":"web"}},"tags":["x","prod"]}""",
            """{"kubernetes":{"labels":{"app":"db"}},"tags":["x","dev"]}""",
            """{"kubernetes":"flat"}""",
        ];
        Assert.Equal([bodies[0]], Run(Init(("regex", "$kubernetes['labels']['app'] ^web$")), bodies));
        Assert.Equal([bodies[1]], Run(Init(("regex", """$tags[1] dev""")), bodies));
        Assert.Equal([bodies[0], bodies[1]], Run(Init(("exclude", "$kubernetes flat")), bodies));
    }

    [Fact]
    public void Slashes_and_trailing_options_are_read_as_fluent_bit_reads_them()
    {
        string[] bodies = ["""{"msg":"An ERROR here"}""", """{"msg":"fine"}""", """{"msg":"first\nerror on line two"}""", """{"msg":"/var/log"}"""];
        Assert.Equal([bodies[0]], Run(Init(("regex", "msg /ERROR/")), bodies));
        Assert.Equal([bodies[0], bodies[2]], Run(Init(("regex", "msg /error/i")), bodies));
        Assert.Equal([bodies[2]], Run(Init(("regex", "msg ^error")), bodies)); // ^ is a line anchor, as in Onigmo's Ruby syntax
        Assert.Equal([bodies[2]], Run(Init(("regex", "msg /first.error/m")), bodies));
        Assert.Equal([bodies[3]], Run(Init(("regex", "msg /var/log")), bodies)); // not /pattern/options: the whole text
        Assert.Equal([bodies[0]], Run(Init(("regex", "msg An ERROR")), bodies)); // the expression keeps its spaces
    }

    [Fact]
    public void Legacy_mode_applies_the_rules_in_the_order_given_with_fluent_bits_short_cut()
    {
        // Regex first: a record the Regex keeps is kept without looking at the Exclude (Fluent Bit's legacy walk).
        Assert.Equal([Logs[0], Logs[1]], Run(Init(("regex", "log ^aa"), ("exclude", "level error")), Logs));
        // Exclude first: it drops what it matches, then the Regex decides.
        Assert.Equal([Logs[0]], Run(Init(("exclude", "level error"), ("regex", "log ^aa")), Logs));
    }

    [Fact]
    public void Legacy_mode_with_two_regex_rules_reads_only_the_first_so_it_is_not_an_and()
    {
        // filter_grep.c: a matching Regex keeps the record at once, a missing one drops it.
        Assert.Equal([Logs[0], Logs[1]], Run(InitMany(("regex", "log ^aa"), ("regex", "level ^info$")), Logs));
        // Two Exclude rules: each drops what it matches.
        Assert.Equal([Logs[0], Logs[4]], Run(InitMany(("exclude", "level error"), ("exclude", "level debug")), Logs));
    }

    [Fact]
    public void Logical_op_and_or_combine_several_rules_of_one_kind_and_refuse_a_mix()
    {
        Assert.Equal([Logs[0]], Run(InitMany(("regex", "log ^aa"), ("regex", "level ^info$"), ("logical_op", "AND")), Logs));
        Assert.Equal([Logs[0], Logs[1], Logs[4]], Run(InitMany(("regex", "log ^aa"), ("regex", "level ^info$"), ("logical_op", "or")), Logs));
        // Exclude with AND drops a record only when every rule matches; with OR when any does.
        Assert.Equal([Logs[0], Logs[2], Logs[3], Logs[4]], Run(InitMany(("exclude", "log ^aa"), ("exclude", "level error"), ("logical_op", "and")), Logs));
        Assert.Equal([Logs[3], Logs[4]], Run(InitMany(("exclude", "log ^aa"), ("exclude", "level error"), ("logical_op", "OR")), Logs));
        var mixed = Assert.Throws<PropertyException>(() => Init(("regex", "log a"), ("exclude", "log b"), ("logical_op", "AND")));
        Assert.Contains("Both 'regex' and 'exclude' are set", mixed.Message);
        Assert.Throws<PropertyException>(() => Init(("logical_op", "xor")));
    }

    private static GrepFilter InitMany(params (string Key, string Value)[] properties) => FilterHarness.Init(new GrepFilter(), properties);

    [Theory]
    [InlineData("log", "is not 'KEY REGEX'")]
    [InlineData("log   ", "is not 'KEY REGEX'")]
    [InlineData("log (", "Invalid pattern")]
    [InlineData("$ x", "names no key")]
    [InlineData("$a[b] x", "neither a quoted subkey nor an array index")]
    public void A_bad_rule_fails_init_naming_the_property(string value, string expected)
    {
        var error = Assert.Throws<PropertyException>(() => Init(("regex", value)));
        Assert.Equal("regex", error.Key);
        Assert.Contains(expected, error.Message);
    }

    [Fact]
    public void Without_rules_every_chunk_passes_with_a_warning()
    {
        var log = new AgentLog();
        var entries = new List<LogEntry>();
        log.Written += entries.Add;
        var filter = new GrepFilter();
        var props = new PluginProperties();
        props.Set("match", "*");
        filter.Init(new FilterContext("grep.3", props, log, Guid.Empty));

        Assert.Null(Answer(filter, Logs));
        Assert.Contains(entries, e => e.Message == "grep.3: no Regex or Exclude rule; every record passes");
    }

    [Fact]
    public void In_a_pipeline_grep_passes_exactly_the_matching_records_and_counts_the_rest()
    {
        var capture = new CaptureOutput();
        var catalog = PluginCatalog.CreateDefault();
        catalog.Add(CaptureOutput.Descriptor("capture", capture));
        catalog.Add(ListInput.Descriptor("logs", Logs));
        var definition = Definition([Spec("logs", ("tag", "app.web"))], [Spec("capture", ("match", "app.*"))], ("flush", "0.1"));
        definition.Filters.Add(Spec("grep", ("match", "app.*"), ("regex", "level ^error$")));
        definition.Filters.Add(Spec("grep", ("match_regex", "^app"), ("exclude", "log ^b")));
        var (pipeline, _) = Build(definition, catalog);

        pipeline.Start();
        Eventually.True(() => capture.RecordCount == 1, "1 record");
        pipeline.Stop();

        Assert.Equal([Logs[1]], capture.Chunks.SelectMany(c => FilterEvents.Bodies(c.Bytes)));
        Assert.Equal(["grep.0", "grep.1"], pipeline.Filters.Select(f => f.Name));
        Assert.Equal(new Dictionary<string, long> { ["records"] = 5, ["bytes"] = FilterEvents.Encode(Logs).Length, ["add_records"] = 0, ["drop_records"] = 3 },
            pipeline.Filters[0].Metrics.ToDictionary());
        Assert.Equal((2L, 1L), (pipeline.Filters[1].Metrics.Records, pipeline.Filters[1].Metrics.DropRecords));
        Assert.Equal(5, pipeline.Inputs[0].Metrics.Records);
        Assert.Equal(1, pipeline.Outputs[0].Metrics.ProcRecords);
    }
}

using CoreAgent.Engine.Config;
using CoreAgent.Engine.Pipeline;
using CoreAgent.Engine.Pipeline.Rehearsal;
using CoreAgent.Engine.Plugins;
using CoreAgent.Engine.Records;
using CoreAgent.Engine.Tests.Config;
using CoreAgent.Engine.Tests.Support;
using CoreAgent.Engine.Validation;
using static CoreAgent.Engine.Tests.Support.Pipelines;

namespace CoreAgent.Engine.Tests.Pipeline;

public class PipelineRehearsalTests
{
    private const string Records = """{"level":"info","msg":"a"}{"level":"debug","msg":"b"}{"level":"error","msg":"c"}""";

    private static PluginCatalog CatalogWith(params PluginDescriptor[] extra)
    {
        var catalog = PluginCatalog.CreateDefault();
        foreach (var plugin in extra) catalog.Add(plugin);
        return catalog;
    }

    private static string[] Bodies(OutputCapture output) => [.. output.Chunks.SelectMany(c => FilterEvents.Bodies(c.Events))];

    private static PipelineDefinition WebDefinition(string input, string output)
    {
        var definition = Definition([Spec(input, ("tag", "web.access"))], [Spec(output, ("match", "web.*"))], ("flush", "0.1"));
        definition.Filters.Add(Spec("grep", ("match", "web.*"), ("exclude", "level ^debug$")));
        definition.Filters.Add(Spec("record_modifier", ("match_regex", @"^web\."), ("record", "env prod")));
        return definition;
    }

    [Fact]
    public void Captures_exactly_what_the_running_pipeline_delivers_through_the_same_filters()
    {
        var capture = new CaptureOutput();
        var catalog = CatalogWith(ListInput.Descriptor("list", Records), CaptureOutput.Descriptor("capture", capture));
        var (pipeline, _) = Build(WebDefinition("list", "capture"), catalog);
        pipeline.Start();
        Eventually.True(() => capture.RecordCount == 2, "2 records delivered");
        pipeline.Stop();

        using var rehearsal = PipelineRehearsal.Create(WebDefinition("list", "capture"), catalog);
        Assert.Equal(3, rehearsal.Route("web.access", FilterEvents.Encode(Records)));

        var output = Assert.Single(rehearsal.Outputs);
        Assert.Equal("capture.0", output.Name);
        Assert.Equal(capture.Chunks.SelectMany(c => FilterEvents.Bodies(c.Bytes)), Bodies(output));
        Assert.Equal(["""{"level":"info","msg":"a","env":"prod"}""", """{"level":"error","msg":"c","env":"prod"}"""], Bodies(output));
        Assert.Equal(capture.Chunks.Single().Bytes, output.Chunks.Single().Events); // times and metadata too, byte for byte
        Assert.Equal(["grep.0", "record_modifier.1"], rehearsal.Filters.Select(f => f.Name));
        Assert.Equal(1, rehearsal.Filters[0].Metrics.DropRecords);
        Assert.Empty(rehearsal.Unmatched);
    }

    [Fact]
    public void Never_creates_an_input_or_an_output()
    {
        int inputs = 0, outputs = 0;
        var input = new PluginDescriptor { Name = "counted_in", Description = "t", Type = PluginType.Input, CreateInput = () => { inputs++; return new ListInput([]); } };
        var output = new PluginDescriptor { Name = "counted_out", Description = "t", Type = PluginType.Output, CreateOutput = () => { outputs++; return new CaptureOutput(); } };

        using var rehearsal = PipelineRehearsal.Create(WebDefinition("counted_in", "counted_out"), CatalogWith(input, output));
        rehearsal.Route("web.access", FilterEvents.Encode(Records));

        Assert.Equal(0, inputs);
        Assert.Equal(0, outputs);
        Assert.Equal(2, rehearsal.Outputs[0].RecordCount);
        Assert.Equal("web.access", rehearsal.Inputs[0].Tag);
    }

    [Fact]
    public void Routes_by_Match_and_Match_Regex_with_the_pipeline_s_instance_names_and_keeps_what_no_output_takes()
    {
        var definition = Definition(
            [Spec("dummy"), Spec("dummy", ("tag", "sys.kern"))],
            [Spec("stdout", ("match", "app.*")), Spec("stdout", ("match_regex", @"^sys\.(kern|auth)$")), Spec("null", ("match", "*"), ("alias", "everything"))]);

        using var rehearsal = PipelineRehearsal.Create(definition, PluginCatalog.CreateDefault());
        rehearsal.Route("app.api", FilterEvents.Encode("""{"n":1}"""));
        rehearsal.Route("sys.kern", FilterEvents.Encode("""{"n":2}"""));
        rehearsal.Route("sys.cron", FilterEvents.Encode("""{"n":3}"""));

        Assert.Equal(["stdout.0", "stdout.1", "everything"], rehearsal.Outputs.Select(o => o.Name));
        Assert.Equal(["dummy.0", "sys.kern"], rehearsal.Inputs.Select(i => i.Tag));
        Assert.Equal(["""{"n":1}"""], Bodies(rehearsal.Outputs[0]));
        Assert.Equal(["""{"n":2}"""], Bodies(rehearsal.Outputs[1]));
        Assert.Equal(@"^sys\.(kern|auth)$", rehearsal.Outputs[1].MatchRegex);
        Assert.Equal(3, rehearsal.Outputs[2].RecordCount);

        using var narrow = PipelineRehearsal.Create(Definition([Spec("dummy")], [Spec("stdout", ("match", "app.*")), Spec("null", ("match", "x"))]), PluginCatalog.CreateDefault());
        narrow.Route("db.slow", FilterEvents.Encode("""{"n":4}"""));
        var unmatched = Assert.Single(narrow.Unmatched);
        Assert.Equal("db.slow", unmatched.Tag);
        Assert.Equal(1, unmatched.RecordCount);
    }

    [Fact]
    public void The_only_output_of_a_one_input_pipeline_takes_every_tag_without_Match_and_two_outputs_take_none()
    {
        using var one = PipelineRehearsal.Create(Definition([Spec("dummy")], [Spec("stdout")]), PluginCatalog.CreateDefault());
        one.Route("anything.at.all", FilterEvents.Encode("""{"n":1}"""));
        Assert.True(one.Outputs[0].DefaultRoute);
        Assert.Equal(1, one.Outputs[0].RecordCount);

        using var two = PipelineRehearsal.Create(Definition([Spec("dummy")], [Spec("stdout"), Spec("null")]), PluginCatalog.CreateDefault());
        two.Route("dummy.0", FilterEvents.Encode("""{"n":1}"""));
        Assert.All(two.Outputs, o => Assert.False(o.DefaultRoute));
        Assert.All(two.Outputs, o => Assert.Equal(0, o.RecordCount));
        Assert.Single(two.Unmatched);

        using var twoInputs = PipelineRehearsal.Create(Definition([Spec("dummy"), Spec("cpu")], [Spec("stdout")]), PluginCatalog.CreateDefault());
        Assert.False(twoInputs.Outputs[0].DefaultRoute);
    }

    [Fact]
    public void A_failing_filter_fails_the_rehearsal_where_a_running_pipeline_passes_the_chunk_on()
    {
        var filter = new ScriptedFilter { OnFilter = _ => throw new InvalidOperationException("broken on purpose") };
        var definition = Definition([Spec("dummy")], [Spec("stdout", ("match", "*"))]);
        definition.Filters.Add(Spec("broken", ("match", "*")));

        using var rehearsal = PipelineRehearsal.Create(definition, CatalogWith(ScriptedFilter.Descriptor("broken", filter)));
        var ex = Assert.Throws<FilterFailedException>(() => rehearsal.Route("t", FilterEvents.Encode("""{"n":1}""", """{"n":2}""")));

        Assert.Equal("broken.0", ex.Filter);
        Assert.Equal("t", ex.Tag);
        Assert.Equal(2, ex.Records);
        Assert.Contains("broken on purpose", ex.Message);
        Assert.True(filter.Context!.IsRehearsal);
        Assert.Equal(0, rehearsal.Outputs[0].RecordCount);
    }

    [Fact]
    public void Dispose_exits_the_filters_it_initialised()
    {
        var filter = new ScriptedFilter();
        var definition = Definition([Spec("dummy")], [Spec("stdout")]);
        definition.Filters.Add(Spec("watched", ("match", "*")));

        var rehearsal = PipelineRehearsal.Create(definition, CatalogWith(ScriptedFilter.Descriptor("watched", filter)));
        Assert.Equal(1, filter.InitCalls);
        rehearsal.Dispose();
        rehearsal.Dispose();

        Assert.Equal(1, filter.ExitCalls);
    }

    [Fact]
    public void Cuts_more_than_a_chunk_s_worth_into_chunks_and_loses_no_record()
    {
        var filter = new ScriptedFilter();
        var definition = Definition([Spec("dummy")], [Spec("stdout")]);
        definition.Filters.Add(Spec("seen", ("match", "*")));
        using var rehearsal = PipelineRehearsal.Create(definition, CatalogWith(ScriptedFilter.Descriptor("seen", filter)));
        string big = "{\"pad\":\"" + new string('x', 100_000) + "\"}";
        var events = FilterEvents.Encode([.. Enumerable.Repeat(big, 50)]); // about 5 MB

        Assert.Equal(50, rehearsal.Route("big", events));

        Assert.Equal(50, rehearsal.Outputs[0].RecordCount);
        Assert.True(rehearsal.Outputs[0].Chunks.Count >= 3);
        Assert.All(rehearsal.Outputs[0].Chunks, c => Assert.True(c.Events.Length <= Chunk.TargetSize));
        Assert.Equal(events, rehearsal.Outputs[0].Chunks.SelectMany(c => c.Events));
        Assert.Equal(rehearsal.Outputs[0].Chunks.Count, filter.Calls);
    }

    [Fact]
    public void Unknown_plugin_names_get_stand_ins_only_when_asked()
    {
        var definition = Definition([Spec("dummy")], [Spec("cloudwatch_logs", ("match", "web.*"), ("region", "eu-west-1"))]);

        var refused = Assert.Throws<PipelineBuildException>(() => PipelineRehearsal.Create(definition, PluginCatalog.CreateDefault()));
        Assert.Contains(refused.Problems, p => p.Code == ProblemCodes.UnknownPlugin);

        using var rehearsal = PipelineRehearsal.Create(definition, PluginCatalog.CreateDefault(), standInUnknownPlugins: true);
        rehearsal.Route("web.access", FilterEvents.Encode("""{"n":1}"""));
        rehearsal.Route("app", FilterEvents.Encode("""{"n":2}"""));
        var output = Assert.Single(rehearsal.Outputs);
        Assert.True(output.IsStandIn);
        Assert.Equal("cloudwatch_logs.0", output.Name);
        Assert.Equal(1, output.RecordCount);
        Assert.Single(rehearsal.Unmatched);
        Assert.Null(PluginCatalog.CreateDefault().Find("cloudwatch_logs", PluginType.Output)); // the catalog given is not changed
    }

    [Fact]
    public void ConfigChecker_takes_names_of_a_missing_plugin_as_stand_ins_only_for_a_rehearsal()
    {
        using var files = new ConfigTestFiles();
        var conf = files.WriteLines("web.conf",
            "[SERVICE]",
            "    plugins_file missing-plugins.conf",
            "[INPUT]",
            "    Name dummy",
            "    Tag  web.access",
            "[OUTPUT]",
            "    Name  cloudwatch_logs",
            "    Match web.*");
        var loaded = ConfigLoader.Load(conf, files.Options);

        var plain = ConfigChecker.Check(loaded, PluginCatalog.CreateDefault());
        Assert.Contains(plain, f => f.Code == ProblemCodes.UnknownPlugin);

        var rehearsal = ConfigChecker.Check(loaded, PluginCatalog.CreateDefault(), standInMissingPlugins: true);
        Assert.DoesNotContain(rehearsal, f => f.Code == ProblemCodes.UnknownPlugin);
        var missing = Assert.Single(rehearsal, StandInPlugins.IsMissingPluginFinding);
        Assert.Equal(FindingCodes.FileNotFound, missing.Code);
        Assert.Equal("plugins_file", missing.Key);
        Assert.Equal(2, missing.Line);
        Assert.True(StandInPlugins.AnyMissing(loaded));
    }

    [Fact]
    public void ConfigChecker_still_calls_an_unknown_name_unknown_when_no_plugin_is_missing()
    {
        using var files = new ConfigTestFiles();
        var conf = files.WriteLines("typo.conf",
            "[INPUT]",
            "    Name dummy",
            "[OUTPUT]",
            "    Name  stdot",
            "    Match *");
        var loaded = ConfigLoader.Load(conf, files.Options);

        Assert.False(StandInPlugins.AnyMissing(loaded));
        Assert.Contains(ConfigChecker.Check(loaded, PluginCatalog.CreateDefault(), standInMissingPlugins: true), f => f.Code == ProblemCodes.UnknownPlugin);
    }
}

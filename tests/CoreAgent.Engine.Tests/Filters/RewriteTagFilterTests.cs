using CoreAgent.Engine.Plugins;
using CoreAgent.Engine.Plugins.Filters.RewriteTag;
using CoreAgent.Engine.Plugins.Properties;
using CoreAgent.Engine.Records;
using CoreAgent.Engine.Tests.Config;
using CoreAgent.Engine.Tests.Support;
using static CoreAgent.Engine.Tests.Filters.FilterHarness;
using static CoreAgent.Engine.Tests.Support.Pipelines;

namespace CoreAgent.Engine.Tests.Filters;

public class RewriteTagFilterTests
{
    private static (string[]? Kept, List<(string Tag, string[] Bodies)> Emitted) Apply(RewriteTagFilter filter, string tag, params string[] bodies)
    {
        var result = filter.Filter(FilterEvents.ChunkOf(tag, bodies));
        var chunks = new List<Chunk>();
        filter.TakeEmitted(chunks);
        Assert.All(chunks, c => Assert.Equal(filter.EmitterName, c.Emitter));
        return (result.IsModified ? FilterEvents.Bodies(result.Events) : null,
            [.. chunks.Select(c => (c.Tag, FilterEvents.Bodies(c.Memory)))]);
    }

    [Fact]
    public void Keep_false_moves_the_record_and_keep_true_copies_it()
    {
        var filter = Init(new RewriteTagFilter(), ("rule", "$level ^(error)$ alert.$1 false"), ("rule", "$level ^warn$ warn.$TAG true"));
        var (kept, emitted) = Apply(filter, "app.web", """{"level":"error","n":1}""", """{"level":"warn","n":2}""", """{"level":"info","n":3}""");
        Assert.Equal(["""{"level":"warn","n":2}""", """{"level":"info","n":3}"""], kept!);
        Assert.Equal([("alert.error", ["""{"level":"error","n":1}"""]), ("warn.app.web", ["""{"level":"warn","n":2}"""])],
            emitted.Select(e => (e.Tag, e.Bodies)).ToArray(), new EmittedComparer());
    }

    [Fact]
    public void The_first_matching_rule_wins_and_a_record_without_a_match_is_unchanged()
    {
        var filter = Init(new RewriteTagFilter(), ("rule", "$msg ^a first true"), ("rule", "$msg ^ab second false"));
        var (kept, emitted) = Apply(filter, "t", """{"msg":"abc"}""");
        Assert.Null(kept);
        Assert.Equal("first", Assert.Single(emitted).Tag);
        Assert.Null(Apply(filter, "t", """{"msg":"zzz"}""", """{"msg":5}""").Kept);
    }

    [Fact]
    public void Record_accessor_keys_tag_parts_and_accessors_in_the_new_tag()
    {
        var filter = Init(new RewriteTagFilter(),
            ("rule", "$kubernetes['labels']['app'] ^(\\w+)-(\\d+)$ k8s.$TAG[1].$kubernetes['namespace'].$2.$1 false"));
        var (kept, emitted) = Apply(filter, "kube.var.log", """{"kubernetes":{"namespace":"prod","labels":{"app":"web-42"}}}""");
        Assert.Empty(kept!);
        Assert.Equal("k8s.var.prod.42.web", Assert.Single(emitted).Tag);
    }

    [Fact]
    public void A_chunk_from_its_own_emitter_passes_untouched()
    {
        var filter = Init(new RewriteTagFilter(), ("rule", "$a .* again false"));
        var chunk = FilterEvents.ChunkOf("again", ["""{"a":"x"}"""]);
        chunk.Emitter = filter.EmitterName;
        Assert.False(filter.Filter(chunk).IsModified);
        var none = new List<Chunk>();
        filter.TakeEmitted(none);
        Assert.Empty(none);
        Assert.Equal("emitter_for_test.0", filter.EmitterName);
    }

    [Theory]
    [InlineData("$a ^x$ t")]
    [InlineData("$a ^x$ t maybe")]
    [InlineData("$a ^(x$ t true")]
    public void Bad_rules_name_the_key(string rule)
    {
        var ex = Assert.Throws<PropertyException>(() => Init(new RewriteTagFilter(), ("rule", rule)));
        Assert.Equal("rule", ex.Key);
    }

    [Fact]
    public void Re_emitted_records_reach_the_output_of_the_new_tag_once_through_the_other_filters()
    {
        using var files = new ConfigTestFiles();
        files.WriteLines("main.conf",
            "[INPUT]",
            "    Name logs",
            "    Tag  app.web",
            "[FILTER]",
            "    Name  rewrite_tag",
            "    Match *",
            "    Rule  $level ^(error)$ $1.$TAG false",
            "    Rule  $level ^warn$ copy.$TAG true",
            "    Emitter_Name re_emitted",
            "[FILTER]",
            "    Name   nest",
            "    Match  error.*",
            "    Operation nest",
            "    Wildcard  level",
            "    Wildcard  n",
            "    Nest_under e",
            "[OUTPUT]",
            "    Name  capture",
            "    Match app.*",
            "[OUTPUT]",
            "    Name  errors",
            "    Match_Regex ^(error|copy)\\.");

        var loaded = files.Load("main.conf");
        FindingAssert.Clean(loaded);
        var definition = loaded.Definition;
        definition.Service.Set("flush", "0.1");
        var app = new CaptureOutput();
        var errors = new CaptureOutput();
        var catalog = PluginCatalog.CreateDefault();
        catalog.Add(CaptureOutput.Descriptor("capture", app));
        catalog.Add(CaptureOutput.Descriptor("errors", errors));
        catalog.Add(ListInput.Descriptor("logs", ["""{"level":"error","n":1}""", """{"level":"warn","n":2}""", """{"level":"info","n":3}"""]));
        var (pipeline, _) = Build(definition, catalog);
        pipeline.Start();
        Eventually.True(() => app.RecordCount == 2 && errors.RecordCount == 2, "2 records in each output");
        pipeline.Stop();

        Assert.Equal(["""{"level":"warn","n":2}""", """{"level":"info","n":3}"""], app.Chunks.SelectMany(c => FilterEvents.Bodies(c.Bytes)));
        // "error.app.web" and "copy.app.web" match the rewrite_tag filter's Match * again, and its
        // rules again, but its own emitter's chunks are skipped: each record arrives once.
        Assert.Equal(
            ["copy.app.web " + """{"level":"warn","n":2}""", "error.app.web " + """{"e":{"level":"error","n":1}}"""],
            errors.Chunks.SelectMany(c => FilterEvents.Bodies(c.Bytes).Select(b => $"{c.Tag} {b}")).Order());
    }

    private sealed class EmittedComparer : IEqualityComparer<(string, string[])>
    {
        public bool Equals((string, string[]) x, (string, string[]) y) => x.Item1 == y.Item1 && x.Item2.SequenceEqual(y.Item2);
        public int GetHashCode((string, string[]) obj) => obj.Item1.GetHashCode();
    }
}

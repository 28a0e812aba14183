using CoreAgent.Engine.Pipeline;
using CoreAgent.Engine.Plugins;
using CoreAgent.Engine.Records;
using CoreAgent.Engine.Tests.Support;
using MessagePack;
using static CoreAgent.Engine.Tests.Support.Pipelines;

namespace CoreAgent.Engine.Tests.Pipeline;

public class FilterStageTests
{
    private const string FourRecords = """{"n":1}{"n":2}{"n":3}{"n":4}""";
    private static readonly PluginDescriptor Four = ListInput.Descriptor("four", FourRecords);

    private static PluginCatalog CatalogWith(params PluginDescriptor[] extra)
    {
        var catalog = PluginCatalog.CreateDefault();
        foreach (var plugin in extra) catalog.Add(plugin);
        return catalog;
    }

    private static PipelineDefinition WithFilters(PipelineDefinition definition, params PluginInstanceSpec[] filters)
    {
        definition.Filters.AddRange(filters);
        return definition;
    }

    /// <summary>Keeps the events whose JSON body passes <paramref name="keep"/>, the way a real filter answers.</summary>
    private static FilterResult Where(Chunk chunk, Func<string, bool> keep)
    {
        var kept = EventReader.ReadAll(chunk.Memory).Where(e => keep(MessagePackSerializer.ConvertToJson(e.Body))).ToList();
        if (kept.Count == chunk.RecordCount) return FilterResult.Unchanged;
        if (kept.Count == 0) return FilterResult.DropAll;
        return FilterResult.Replace(kept.SelectMany(e => e.Raw.ToArray()).ToArray(), kept.Count);
    }

    private static string[] CapturedBodies(CaptureOutput capture) => [.. capture.Chunks.SelectMany(c => FilterEvents.Bodies(c.Bytes))];

    [Fact]
    public void A_filter_that_drops_records_passes_exactly_the_others_and_counts_them()
    {
        var capture = new CaptureOutput();
        var filter = new ScriptedFilter { OnFilter = c => Where(c, json => json.Contains('2') || json.Contains('4')) };
        var definition = WithFilters(
            Definition([Spec("four")], [Spec("capture")], ("flush", "0.1")),
            Spec("even", ("match", "*")));
        var (pipeline, _) = Build(definition, CatalogWith(Four, CaptureOutput.Descriptor("capture", capture), ScriptedFilter.Descriptor("even", filter)));

        pipeline.Start();
        Eventually.True(() => capture.RecordCount == 2, "2 records");
        pipeline.Stop();

        Assert.Equal(["""{"n":2}""", """{"n":4}"""], CapturedBodies(capture));
        var metrics = pipeline.Filters[0].Metrics;
        Assert.Equal(4, metrics.Records);
        Assert.Equal(2, metrics.DropRecords);
        Assert.Equal(0, metrics.AddRecords);
        Assert.Equal(FilterEvents.Encode(FourRecords).Length, metrics.Bytes);
        Assert.Equal(4, pipeline.Inputs[0].Metrics.Records); // the input's count is what it produced
        Assert.Equal(2, pipeline.Outputs[0].Metrics.ProcRecords);
        Assert.Equal(new Dictionary<string, long> { ["records"] = 4, ["bytes"] = metrics.Bytes, ["add_records"] = 0, ["drop_records"] = 2 },
            metrics.ToDictionary());
        Assert.All(capture.Chunks, c => Assert.Equal("four.0", c.Tag));
        Assert.Equal("CoreAgent flush test", Assert.Single(filter.Seen).Thread); // a partial chunk is sealed by the flush timer
    }

    [Fact]
    public void A_filter_that_adds_records_counts_add_records()
    {
        var capture = new CaptureOutput();
        var filter = new ScriptedFilter
        {
            OnFilter = c => FilterResult.Replace(c.Span.ToArray().Concat(c.Span.ToArray()).ToArray(), c.RecordCount * 2),
        };
        var definition = WithFilters(
            Definition([Spec("dummy", ("samples", "1"), ("rate", "100"), ("copies", "3"))], [Spec("capture")], ("flush", "0.1")),
            Spec("twice", ("match", "dummy.*")));
        var (pipeline, _) = Build(definition, CatalogWith(Four, CaptureOutput.Descriptor("capture", capture), ScriptedFilter.Descriptor("twice", filter)));

        pipeline.Start();
        Eventually.True(() => capture.RecordCount == 6, "6 records");
        pipeline.Stop();

        Assert.Equal(3, pipeline.Filters[0].Metrics.Records);
        Assert.Equal(3, pipeline.Filters[0].Metrics.AddRecords);
        Assert.Equal(0, pipeline.Filters[0].Metrics.DropRecords);
        Assert.Equal(3, pipeline.Inputs[0].Metrics.Records);
        Assert.Equal(6, pipeline.Outputs[0].Metrics.ProcRecords);
        Assert.All(CapturedBodies(capture), b => Assert.Equal("""{"message":"dummy"}""", b));
    }

    [Fact]
    public void A_filter_that_removes_every_record_produces_no_chunk_and_later_filters_do_not_run()
    {
        var capture = new CaptureOutput();
        var dropAll = new ScriptedFilter { OnFilter = _ => FilterResult.DropAll };
        var after = new ScriptedFilter();
        var definition = WithFilters(
            Definition([Spec("dummy", ("samples", "3"), ("rate", "50"), ("copies", "2"))], [Spec("capture")], ("flush", "0.05")),
            Spec("none", ("match", "*")), Spec("after", ("match", "*")));
        var (pipeline, _) = Build(definition, CatalogWith(Four, CaptureOutput.Descriptor("capture", capture),
            ScriptedFilter.Descriptor("none", dropAll), ScriptedFilter.Descriptor("after", after)));

        pipeline.Start();
        Eventually.True(() => pipeline.Filters[0].Metrics.DropRecords == 6, "6 records dropped");
        pipeline.Stop();

        Assert.Equal(0, capture.FlushCalls);
        Assert.Equal(0, after.Calls);
        Assert.Equal(6, pipeline.Inputs[0].Metrics.Records);
        Assert.Equal(0, pipeline.Outputs[0].Metrics.ProcRecords);
        Assert.Equal(0, pipeline.Inputs[0].BufferedBytes); // a dropped chunk is released like a delivered one
    }

    [Fact]
    public void A_filter_exception_passes_the_chunk_unchanged_and_is_logged()
    {
        var capture = new CaptureOutput();
        var broken = new ScriptedFilter { OnFilter = _ => throw new InvalidOperationException("boom") };
        var definition = WithFilters(
            Definition([Spec("four")], [Spec("capture")], ("flush", "0.1")),
            Spec("broken", ("match", "*")));
        var (pipeline, log) = Build(definition, CatalogWith(Four, CaptureOutput.Descriptor("capture", capture), ScriptedFilter.Descriptor("broken", broken)));

        pipeline.Start();
        Eventually.True(() => capture.RecordCount == 4, "4 records");
        pipeline.Stop();

        Assert.Equal(FilterEvents.Bodies(FilterEvents.Encode(FourRecords)), CapturedBodies(capture));
        Assert.Equal(4, pipeline.Filters[0].Metrics.Records);
        Assert.Equal(0, pipeline.Filters[0].Metrics.DropRecords);
        lock (log) Assert.Contains(log, e => e.Source == "filter" && e.Message == "broken.0: failed on a chunk of 4 records of 'four.0', which passes unchanged: boom");
    }

    [Fact]
    public void Filters_run_in_definition_order_each_on_the_previous_output()
    {
        var capture = new CaptureOutput();
        var journal = new System.Collections.Concurrent.ConcurrentQueue<string>();
        var first = new ScriptedFilter { Journal = journal, OnFilter = c => Where(c, json => !json.Contains('1')) };
        var second = new ScriptedFilter { Journal = journal, OnFilter = c => Where(c, json => !json.Contains('4')) };
        var definition = WithFilters(
            Definition([Spec("four")], [Spec("capture")], ("flush", "0.1")),
            Spec("first", ("match", "*")), Spec("second", ("match", "*")));
        var (pipeline, _) = Build(definition, CatalogWith(Four, CaptureOutput.Descriptor("capture", capture),
            ScriptedFilter.Descriptor("first", first), ScriptedFilter.Descriptor("second", second)));

        pipeline.Start();
        Eventually.True(() => capture.RecordCount == 2, "2 records");
        pipeline.Stop();

        Assert.Equal(["first.0", "second.1"], journal);
        Assert.Equal(3, Assert.Single(second.Seen).Records);
        Assert.Equal(["""{"n":2}""", """{"n":3}"""], CapturedBodies(capture));
        Assert.Equal((4, 1), (pipeline.Filters[0].Metrics.Records, pipeline.Filters[0].Metrics.DropRecords));
        Assert.Equal((3, 1), (pipeline.Filters[1].Metrics.Records, pipeline.Filters[1].Metrics.DropRecords));
    }

    [Fact]
    public void Match_and_match_regex_choose_the_chunks_a_filter_sees()
    {
        var capture = new CaptureOutput();
        var onlyA = new ScriptedFilter();
        var regexB = new ScriptedFilter();
        var neither = new ScriptedFilter();
        var definition = WithFilters(
            Definition([Spec("dummy", ("tag", "a.x"), ("samples", "2"), ("rate", "100")), Spec("dummy", ("tag", "b.y"), ("samples", "3"), ("rate", "100"))],
                [Spec("capture", ("match", "*"))], ("flush", "0.05")),
            Spec("f", ("match", "a.*")), Spec("f", ("match_regex", @"b\.")), Spec("f", ("match", "a")));
        var (pipeline, _) = Build(definition, CatalogWith(Four, CaptureOutput.Descriptor("capture", capture),
            ScriptedFilter.Descriptor("f", onlyA, regexB, neither)));

        pipeline.Start();
        Eventually.True(() => capture.RecordCount == 5, "5 records");
        pipeline.Stop();

        Assert.All(onlyA.Seen, s => Assert.Equal("a.x", s.Tag));
        Assert.Equal(2, onlyA.Seen.Sum(s => s.Records));
        Assert.All(regexB.Seen, s => Assert.Equal("b.y", s.Tag));
        Assert.Equal(3, regexB.Seen.Sum(s => s.Records));
        Assert.Equal(0, neither.Calls); // Match covers the whole tag: 'a' is not 'a.x'
        Assert.Equal([2L, 3L, 0L], pipeline.Filters.Select(f => f.Metrics.Records));
    }

    [Fact]
    public void A_full_chunk_is_filtered_on_the_input_thread_that_sealed_it()
    {
        var capture = new CaptureOutput();
        var filter = new ScriptedFilter();
        // 100000 copies of a 30-byte event exceed one 2 MB chunk, so the input seals one itself.
        var definition = WithFilters(
            Definition([Spec("dummy", ("samples", "1"), ("rate", "100"), ("copies", "100000"))], [Spec("capture")], ("flush", "0.1")),
            Spec("f", ("match", "*")));
        var (pipeline, _) = Build(definition, CatalogWith(Four, CaptureOutput.Descriptor("capture", capture), ScriptedFilter.Descriptor("f", filter)));

        pipeline.Start();
        Eventually.True(() => capture.RecordCount == 100000, "100000 records");
        pipeline.Stop();

        Assert.Contains(filter.Seen, s => s.Thread == "CoreAgent input dummy.0");
        Assert.Equal(100000, filter.Seen.Sum(s => s.Records));
    }

    [Fact]
    public void One_filter_instance_is_never_called_concurrently()
    {
        var capture = new CaptureOutput();
        var filter = new ScriptedFilter { OnFilter = _ => { Thread.Sleep(5); return FilterResult.Unchanged; } };
        // 100000 records per input between flushes: each input seals full chunks itself, the timer the rest.
        var definition = WithFilters(
            Definition([Spec("dummy", ("rate", "200"), ("copies", "1000"), ("tag", "a")), Spec("dummy", ("rate", "200"), ("copies", "1000"), ("tag", "b")),
                    Spec("dummy", ("rate", "500"), ("tag", "c"))],
                [Spec("capture", ("match", "*"))], ("flush", "0.5")),
            Spec("f", ("match", "*")));
        var (pipeline, _) = Build(definition, CatalogWith(Four, CaptureOutput.Descriptor("capture", capture), ScriptedFilter.Descriptor("f", filter)));

        pipeline.Start();
        Eventually.True(() => filter.Calls >= 20 && filter.Seen.Select(s => s.Thread).Distinct().Count() >= 3, "calls from the input threads and the flush timer");
        pipeline.Stop();

        Assert.Equal(1, filter.MaxConcurrentCalls);
    }

    [Fact]
    public void Stop_filters_the_last_open_chunks_then_exits_every_filter_once()
    {
        var capture = new CaptureOutput();
        var filter = new ScriptedFilter { OnFilter = c => Where(c, json => json.Contains('3')) };
        var definition = WithFilters(
            Definition([Spec("twenty")], [Spec("capture")], ("flush", "60"), ("grace", "30")),
            Spec("f", ("match", "*")));
        var (pipeline, _) = Build(definition, CatalogWith(ListInput.Descriptor("twenty", Enumerable.Repeat(FourRecords, 5).ToArray()), CaptureOutput.Descriptor("capture", capture), ScriptedFilter.Descriptor("f", filter)));

        pipeline.Start();
        Eventually.True(() => pipeline.Inputs[0].Metrics.Records == 20, "20 records produced");
        Assert.Equal(0, filter.Calls); // nothing sealed before the flush interval
        pipeline.Stop();

        Assert.Equal(5, capture.RecordCount);
        Assert.Equal(15, pipeline.Filters[0].Metrics.DropRecords);
        Assert.Equal((1, 1), (filter.InitCalls, filter.ExitCalls));
        Assert.Equal("f.0", filter.Context!.InstanceName);
        Assert.Equal(pipeline.Id, filter.Context.PipelineId);
        Assert.Equal("*", filter.Context.Properties.Get("match"));
    }

    [Fact]
    public void A_filter_still_running_at_the_end_of_grace_is_cancelled_and_its_chunk_passes_unchanged()
    {
        var capture = new CaptureOutput();
        var stuck = new ScriptedFilter();
        stuck.OnFilter = _ =>
        {
            // Stands for a script that never returns on its own: only the pipeline's Stopping token ends it.
            stuck.Context!.Stopping.WaitHandle.WaitOne();
            throw new OperationCanceledException("stopped");
        };
        var definition = WithFilters(Definition([Spec("four")], [Spec("capture")], ("flush", "60"), ("grace", "1")),
            Spec("stuck", ("match", "*")));
        var (pipeline, log) = Build(definition, CatalogWith(Four, CaptureOutput.Descriptor("capture", capture), ScriptedFilter.Descriptor("stuck", stuck)));
        pipeline.Start();
        Eventually.True(() => pipeline.Inputs[0].Metrics.Records == 4, "4 records produced");

        var clock = System.Diagnostics.Stopwatch.StartNew();
        pipeline.Stop(); // the last open chunk is filtered on this thread, and the filter never returns by itself

        Assert.InRange(clock.Elapsed, TimeSpan.Zero, TimeSpan.FromSeconds(20));
        Assert.Equal(PipelineState.Stopped, pipeline.State);
        Assert.True(stuck.Context!.Stopping.IsCancellationRequested);
        Assert.Equal(1, stuck.ExitCalls);
        lock (log)
        {
            Assert.Contains(log, e => e.Message == "pipeline 'test': filter stuck.0 still running at the end of the grace period; it is cancelled and its chunk passes unchanged");
            Assert.Contains(log, e => e.Message == "stuck.0: failed on a chunk of 4 records of 'four.0', which passes unchanged: stopped");
        }
    }

    [Fact]
    public void A_failing_filter_init_fails_the_start_and_exits_what_was_initialised()
    {
        var capture = new CaptureOutput();
        var good = new ScriptedFilter();
        var bad = new ScriptedFilter { OnInit = _ => throw new PluginException("cannot start") };
        var definition = WithFilters(Definition([Spec("dummy")], [Spec("capture")]), Spec("f", ("match", "*")), Spec("f", ("match", "*")));
        var (pipeline, _) = Build(definition, CatalogWith(Four, CaptureOutput.Descriptor("capture", capture), ScriptedFilter.Descriptor("f", good, bad)));

        var error = Assert.Throws<PluginException>(pipeline.Start);

        Assert.Equal("cannot start", error.Message);
        Assert.Equal(PipelineState.Failed, pipeline.State);
        Assert.Equal((1, 1), (good.InitCalls, good.ExitCalls));
        Assert.Equal((1, 0), (bad.InitCalls, bad.ExitCalls));
        Assert.True(capture.Exited);
    }

    [Fact]
    public void Build_checks_filters_like_inputs_and_outputs_and_requires_a_match()
    {
        var definition = WithFilters(Definition([Spec("dummy")], [Spec("null")]),
            Spec("grep", ("regex", "log x")),
            Spec("nosuch", ("match", "*")),
            Spec("grep", ("match", "*"), ("workers", "2")),
            Spec("grep", ("match", "*"), ("log_level", "loud")));

        var error = Assert.Throws<PipelineBuildException>(() => AgentPipeline.Build(definition, PluginCatalog.CreateDefault()));

        var messages = error.Problems.Select(p => p.Message).ToList();
        Assert.Contains("grep: NO match rule for grep.0 filter instance: set Match or Match_Regex", messages);
        Assert.Equal("filter-without-match", error.Problems.Single(p => p.Message.Contains("NO match rule")).Code);
        Assert.Contains(messages, m => m.StartsWith("unknown filter plugin 'nosuch' (available: grep"));
        Assert.Contains(messages, m => m.StartsWith("grep: unknown property 'workers' (allowed: regex, exclude, logical_op, alias, match, match_regex, log_level)"));
        Assert.Contains(messages, m => m.StartsWith("grep: property 'log_level':"));
        Assert.Equal(4, error.Problems.Count);
    }

    [Fact]
    public void Filter_instances_are_numbered_across_filter_plugins_and_alias_overrides()
    {
        var definition = WithFilters(Definition([Spec("dummy")], [Spec("null")]),
            Spec("grep", ("match", "*")), Spec("f", ("match", "*")), Spec("grep", ("match", "*")), Spec("grep", ("match", "*"), ("alias", "mine")));
        var catalog = CatalogWith(ScriptedFilter.Descriptor("f", new ScriptedFilter()));

        var pipeline = AgentPipeline.Build(definition, catalog);

        Assert.Equal(["grep.0", "f.1", "grep.2", "mine"], pipeline.Filters.Select(f => f.Name));
        Assert.Equal("a.*", new TagMatcher("a.*", null).ToString());
    }

    [Fact]
    public void Filters_declare_the_common_properties_once()
    {
        Assert.Equal(["name", "alias", "match", "match_regex", "log_level"],
            Plugins.Properties.CommonProperties.For(PluginType.Filter).Select(p => p.Name));
        Assert.Contains(PluginCatalog.CreateDefault().All, p => p.Type == PluginType.Filter && p.Name == "grep" && p.CreateFilter is not null);
    }
}

using CoreAgent.Engine.Config;
using CoreAgent.Engine.Pipeline;
using CoreAgent.Engine.Plugins;
using CoreAgent.Engine.Tests.Config;
using CoreAgent.Engine.Tests.Support;
using static CoreAgent.Engine.Tests.Support.Pipelines;

namespace CoreAgent.Engine.Tests.Filters;

/// <summary>Keys a filter takes several times, from a classic file, YAML and a definition built in code.</summary>
public class RepeatedKeysTests
{
    [Fact]
    public void A_classic_file_repeats_record_and_modify_rules_and_the_pipeline_applies_every_one()
    {
        using var files = new ConfigTestFiles();
        files.WriteLines("main.conf",
            "[INPUT]",
            "    Name logs",
            "    Tag  app.web",
            "[FILTER]",
            "    Name   record_modifier",
            "    Match  app.*",
            "    Record hostname web-01",
            "    Record env prod",
            "    Remove_key secret",
            "    Remove_key token",
            "[FILTER]",
            "    Name   modify",
            "    Match  app.*",
            "    Rename log message",
            "    Rename lvl level",
            "    Add    source tail",
            "[OUTPUT]",
            "    Name  capture",
            "    Match *");

        var loaded = files.Load("main.conf");
        FindingAssert.Clean(loaded);
        var definition = loaded.Definition;
        definition.Service.Set("flush", "0.1");
        Assert.Equal(["hostname web-01", "env prod"], definition.Filters[0].Properties.GetAll("record").Select(p => p.Value));

        var capture = new CaptureOutput();
        var catalog = PluginCatalog.CreateDefault();
        catalog.Add(CaptureOutput.Descriptor("capture", capture));
        catalog.Add(ListInput.Descriptor("logs", ["""{"log":"GET /","lvl":"info","secret":"x","token":"y"}"""]));
        var (pipeline, _) = Build(definition, catalog);
        pipeline.Start();
        Eventually.True(() => capture.RecordCount == 1, "1 record");
        pipeline.Stop();

        Assert.Equal(["""{"message":"GET /","level":"info","hostname":"web-01","env":"prod","source":"tail"}"""],
            capture.Chunks.SelectMany(c => FilterEvents.Bodies(c.Bytes)));
    }

    [Fact]
    public void A_key_the_plugin_takes_once_is_still_a_duplicate()
    {
        using var files = new ConfigTestFiles();
        var main = files.WriteLines("main.conf",
            "[FILTER]",
            "    Name     record_modifier",
            "    Match    *",
            "    Uuid_key a",
            "    Uuid_key b",
            "    Record   k v",
            "    Record   k2 v2");

        var result = files.Load("main.conf");

        var finding = FindingAssert.At(result, FindingCodes.DuplicateKey, main, 5);
        Assert.Contains("property 'uuid_key' is set 2 times", finding.Message);
        Assert.Single(result.Findings, f => f.Code == FindingCodes.DuplicateKey);
    }

    [Fact]
    public void A_yaml_list_gives_a_repeatable_key_several_values()
    {
        using var files = new ConfigTestFiles();
        files.WriteLines("main.yaml",
            "pipeline:",
            "  inputs:",
            "    - name: dummy",
            "  filters:",
            "    - name: grep",
            "      match: '*'",
            "      regex:",
            "        - log ^a",
            "        - level info",
            "  outputs:",
            "    - name: null",
            "      match: '*'");

        var result = files.Load("main.yaml");

        FindingAssert.Clean(result);
        Assert.Equal(["log ^a", "level info"], result.Definition.Filters[0].Properties.GetAll("regex").Select(p => p.Value));
    }

    [Fact]
    public void A_definition_built_in_code_may_repeat_only_the_keys_that_allow_it()
    {
        var definition = Definition([Spec("dummy")], [Spec("null", ("match", "*"))]);
        var grep = Spec("grep", ("match", "*"));
        grep.Properties.Add("regex", "log a");
        grep.Properties.Add("regex", "log b");
        grep.Properties.Add("logical_op", "or");
        grep.Properties.Add("logical_op", "and");
        definition.Filters.Add(grep);

        var error = Assert.Throws<PipelineBuildException>(() => AgentPipeline.Build(definition, PluginCatalog.CreateDefault()));

        var problem = Assert.Single(error.Problems);
        Assert.Equal("logical_op", problem.Key);
        Assert.Contains("property 'logical_op' is given 2 times", problem.Message);
    }
}

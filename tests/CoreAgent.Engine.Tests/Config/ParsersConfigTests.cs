using CoreAgent.Engine.Config;
using CoreAgent.Engine.Pipeline;
using CoreAgent.Engine.Plugins;
using CoreAgent.Engine.Tests.Support;
using CoreAgent.Engine.Validation;

namespace CoreAgent.Engine.Tests.Config;

/// <summary>[SERVICE] Parsers_File (classic and YAML), YAML parsers:, findings for bad parsers and unknown parser names.</summary>
public sealed class ParsersConfigTests
{
    private static readonly string[] ParsersFile =
    [
        "[PARSER]",
        "    Name   json",
        "    Format json",
        "",
        "[PARSER]",
        "    Name        kv",
        "    Format      logfmt",
        "    Types       n:integer",
    ];

    [Fact]
    public void Parsers_files_relative_to_the_main_file_are_read_and_feed_the_parser_filter()
    {
        using var files = new ConfigTestFiles();
        files.WriteLines("parsers/main.conf", ParsersFile);
        files.WriteLines("more.conf", "[PARSER]", "    Name digits", "    Format regex", "    Regex ^(?<d>\\d+)$");
        files.WriteLines("conf/fluent-bit.conf",
            "[SERVICE]",
            "    Parsers_File ../parsers/main.conf",
            "    Parsers_File ../more.conf",
            "[INPUT]",
            "    Name dummy",
            "    Dummy {\"log\":\"n=5 s=x\"}",
            "[FILTER]",
            "    Name parser",
            "    Match *",
            "    Key_Name log",
            "    Parser digits",
            "    Parser kv",
            "[OUTPUT]",
            "    Name null",
            "    Match *");
        var result = files.Load("conf/fluent-bit.conf");
        Assert.False(result.HasErrors, string.Join("\n", result.Findings));
        Assert.Equal(["json", "kv", "digits"], result.Definition.Parsers.Select(p => p.Name));
        Assert.Equal([files.PathOf("parsers/main.conf"), files.PathOf("more.conf")], result.Definition.ParsersFilesLoaded);
        Assert.Contains(files.PathOf("more.conf"), result.FilesRead);

        var capture = new CaptureOutput();
        var catalog = PluginCatalog.CreateDefault();
        catalog.Add(CaptureOutput.Descriptor("capture", capture));
        var definition = result.Definition;
        definition.Outputs.Clear();
        definition.Outputs.Add(PipelineInstance("capture"));
        using var pipeline = AgentPipeline.Build(definition, catalog);
        Assert.Equal(["digits", "json", "kv"], pipeline.Parsers.All.Select(p => p.Name).Order());
        pipeline.Start();
        try
        {
            string[] Bodies() => [.. capture.Chunks.SelectMany(c => FilterEvents.Bodies(c.Bytes))];
            Eventually.True(() => Bodies().Length > 0, "a parsed record");
            Assert.Equal("""{"n":5,"s":"x"}""", Bodies()[0]);
        }
        finally
        {
            pipeline.Stop();
        }
    }

    private static PluginInstanceSpec PipelineInstance(string name) => PluginInstanceSpec.Of(name, ("name", name), ("match", "*"));

    [Fact]
    public void Bad_parsers_are_errors_with_file_and_line()
    {
        using var files = new ConfigTestFiles();
        var parsers = files.WriteLines("parsers.conf",
            "[PARSER]",
            "    Name   bad_format",
            "    Format xml",
            "[PARSER]",
            "    Name   bad_regex",
            "    Format regex",
            "    Regex  (?<a>x",
            "[PARSER]",
            "    Name   odd_types",
            "    Format regex",
            "    Regex  (?<a>x)",
            "    Types  a:weird",
            "[INPUT]",
            "    Name dummy");
        files.WriteLines("main.conf", "[SERVICE]", "    Parsers_File parsers.conf", "[INPUT]", "    Name dummy", "[OUTPUT]", "    Name null", "    Match *");
        var result = files.Load("main.conf");
        FindingAssert.At(result, FindingCodes.BadParser, parsers, 3);
        var regex = FindingAssert.At(result, FindingCodes.BadParser, parsers, 7);
        Assert.Contains("[parser:bad_regex]", regex.Message);
        Assert.Equal(ConfigSeverity.Warning, FindingAssert.At(result, FindingCodes.ParserSetting, parsers, 12).Severity);
        FindingAssert.At(result, FindingCodes.UnknownSectionIgnored, parsers, 13);

        // Test-AgentConfig's checker reports each bad parser once.
        var checkedFindings = ConfigChecker.Check(result, PluginCatalog.CreateDefault());
        Assert.Equal(2, checkedFindings.Count(f => f.Code == FindingCodes.BadParser));
    }

    [Fact]
    public void A_missing_parsers_file_is_an_error()
    {
        using var files = new ConfigTestFiles();
        files.WriteLines("main.conf", "[SERVICE]", "    Parsers_File nowhere.conf", "[INPUT]", "    Name dummy", "[OUTPUT]", "    Name null", "    Match *");
        var result = files.Load("main.conf");
        Assert.Equal(2, FindingAssert.One(result, FindingCodes.FileNotFound).Line);
    }

    [Fact]
    public void Unknown_parser_name_is_a_build_error_and_a_checker_finding()
    {
        using var files = new ConfigTestFiles();
        files.WriteLines("parsers.conf", ParsersFile);
        var main = files.WriteLines("main.conf",
            "[SERVICE]",
            "    Parsers_File parsers.conf",
            "[INPUT]",
            "    Name dummy",
            "[FILTER]",
            "    Name parser",
            "    Match *",
            "    Key_Name log",
            "    Parser nope",
            "[OUTPUT]",
            "    Name null",
            "    Match *");
        var result = files.Load("main.conf");
        var build = Assert.Throws<PipelineBuildException>(() => AgentPipeline.Build(result.Definition, PluginCatalog.CreateDefault()));
        var problem = Assert.Single(build.Problems);
        Assert.Equal(ProblemCodes.UnknownParser, problem.Code);
        Assert.Contains("'nope' is not a defined parser (defined: json, kv)", problem.Message);
        Assert.Equal(9, problem.Location!.Line);
        var finding = Assert.Single(ConfigChecker.Check(result, PluginCatalog.CreateDefault()), f => f.Code == ProblemCodes.UnknownParser);
        Assert.Equal((main, 9), (finding.File!, finding.Line));
    }

    [Fact]
    public void Yaml_parsers_in_the_main_file_and_a_yaml_parsers_file()
    {
        using var files = new ConfigTestFiles();
        files.WriteLines("parsers.yaml",
            "parsers:",
            "  - name: kv",
            "    format: logfmt",
            "multiline_parsers:",
            "  - name: ml",
            "    type: regex",
            "    rules:",
            "      - state: start_state",
            "        regex: '/^\\d/'",
            "        next_state: cont",
            "      - state: cont",
            "        regex: '/^\\s/'",
            "        next_state: cont",
            "pipeline:",
            "  inputs:",
            "    - name: dummy");
        var main = files.WriteLines("main.yaml",
            "service:",
            "  parsers_file: parsers.yaml",
            "parsers:",
            "  - name: digits",
            "    format: regex",
            "    regex: '^(?<d>\\d+)$'",
            "    time_key: t",
            "pipeline:",
            "  inputs:",
            "    - name: dummy",
            "  outputs:",
            "    - name: null",
            "      match: '*'");
        var result = files.Load("main.yaml");
        Assert.False(result.HasErrors, string.Join("\n", result.Findings));
        Assert.Equal(["digits", "kv"], result.Definition.Parsers.Select(p => p.Name));
        var ml = Assert.Single(result.Definition.MultilineParsers);
        Assert.Equal("\"start_state\" \"/^\\d/\" \"cont\"", ml.Properties.GetAll("rule")[0].Value);
        FindingAssert.At(result, FindingCodes.UnknownSectionIgnored, files.PathOf("parsers.yaml"), 14);
        Assert.Equal(4, result.Definition.Parsers[0].Location!.Line);
    }

    [Fact]
    public void Parser_sections_in_the_main_classic_file_stay_an_error()
    {
        using var files = new ConfigTestFiles();
        files.WriteLines("main.conf", "[PARSER]", "    Name x", "    Format json", "[INPUT]", "    Name dummy", "[OUTPUT]", "    Name null");
        var result = files.Load("main.conf");
        FindingAssert.At(result, FindingCodes.ParserSectionInMain, files.PathOf("main.conf"), 1);
        Assert.Empty(result.Definition.Parsers);
    }

    [Fact]
    public void A_definition_from_cmdlets_reads_its_parsers_file_at_build()
    {
        using var files = new ConfigTestFiles();
        var path = files.WriteLines("parsers.conf", ParsersFile);
        var definition = new PipelineDefinition();
        definition.Service.Set("parsers_file", path);
        definition.Inputs.Add(PluginInstanceSpec.Of("dummy", ("name", "dummy")));
        definition.Filters.Add(PluginInstanceSpec.Of("parser", ("name", "parser"), ("match", "*"), ("key_name", "log"), ("parser", "kv")));
        definition.Outputs.Add(PluginInstanceSpec.Of("null", ("name", "null"), ("match", "*")));
        using var pipeline = AgentPipeline.Build(definition, PluginCatalog.CreateDefault());
        Assert.NotNull(pipeline.Parsers.Find("kv"));
    }
}

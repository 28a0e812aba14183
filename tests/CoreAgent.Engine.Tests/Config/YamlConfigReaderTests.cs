using CoreAgent.Engine.Config;

namespace CoreAgent.Engine.Tests.Config;

public sealed class YamlConfigReaderTests
{
    [Fact]
    public void Reads_service_and_pipeline_with_lines()
    {
        using var files = new ConfigTestFiles();
        var main = files.WriteLines("main.yaml",
            "service:",                  // 1
            "  flush: 1",                // 2
            "  log_level: info",         // 3
            "pipeline:",                 // 4
            "  inputs:",                 // 5
            "    - name: dummy",         // 6
            "      rate: 1.50",          // 7
            "  filters:",                // 8
            "    - name: grep",          // 9
            "      regex: msg ^a",       // 10
            "  outputs:",                // 11
            "    - name: stdout",        // 12
            "      match: '*'",          // 13
            "      json_date_key: false");// 14

        var result = files.Load("main.yaml");

        FindingAssert.Clean(result);
        var definition = result.Definition;
        Assert.Equal("main", definition.Name);
        Assert.Equal("1", definition.Service.Get("flush"));
        Assert.Equal(new(main, 3), definition.Service.Find("log_level")!.Location);
        var input = Assert.Single(definition.Inputs);
        Assert.Equal("dummy", input.PluginName);
        Assert.Equal(new(main, 6), input.Location);
        Assert.Equal("1.50", input.Properties.Get("rate"));
        Assert.Equal(new(main, 7), input.Properties.Find("rate")!.Location);
        Assert.Equal("msg ^a", definition.Filters[0].Properties.Get("regex"));
        Assert.Equal("*", definition.Outputs[0].Properties.Get("match"));
        Assert.Equal("false", definition.Outputs[0].Properties.Get("json_date_key"));
    }

    [Fact]
    public void CamelCase_keys_become_snake_case_unless_they_contain_an_underscore()
    {
        using var files = new ConfigTestFiles();
        files.WriteLines("main.yaml",
            "service:",
            "  httpServer: on",
            "  Log_Level: debug",
            "pipeline:",
            "  inputs:",
            "    - Name: dummy",
            "      memBufLimit: 5M",
            "      storage.type: memory",
            "      storage.pauseOnChunksOverlimit: off",
            "      flush_On_Startup: true");

        var result = files.Load("main.yaml");

        FindingAssert.Clean(result);
        Assert.Equal(["http_server", "log_level"], result.Definition.Service.Keys);
        Assert.Equal(
            ["name", "mem_buf_limit", "storage.type", "storage.pause_on_chunks_overlimit", "flush_on_startup"],
            result.Definition.Inputs[0].Properties.Keys);
        Assert.Equal("on", result.Definition.Service.Get("http_server"));
    }

    [Fact]
    public void Env_section_expands_before_the_environment()
    {
        using var files = new ConfigTestFiles();
        files.Environment["FLUSH"] = "9";
        files.Environment["TAG"] = "from.env";
        var main = files.WriteLines("main.yaml",
            "env:",
            "  FLUSH: 2",
            "service:",
            "  flush: ${FLUSH}",
            "pipeline:",
            "  inputs:",
            "    - name: dummy",
            "      tag: ${TAG}",
            "      alias: ${MISSING}");

        var result = files.Load("main.yaml");

        Assert.Equal("2", result.Definition.Service.Get("flush"));
        Assert.Equal("from.env", result.Definition.Inputs[0].Properties.Get("tag"));
        FindingAssert.At(result, FindingCodes.UnsetVariable, main, 9);
        Assert.Single(result.Findings);
    }

    [Fact]
    public void Customs_and_unknown_sections_are_ignored_with_warnings_parsers_and_plugins_are_read()
    {
        using var files = new ConfigTestFiles();
        var so = files.Write("out_go.so", "");
        var main = files.WriteLines("main.yaml",
            "parsers:",
            "  - name: json",
            "    format: json",
            "customs:",
            "  - name: calyptia",
            "plugins:",
            "  - out_go.so",
            "  - /path/to/other.so",
            "something: else");

        var result = files.Load("main.yaml");

        Assert.Equal(["json"], result.Definition.Parsers.Select(p => p.Name));
        FindingAssert.At(result, FindingCodes.UnsupportedSectionIgnored, main, 4);
        FindingAssert.At(result, FindingCodes.PluginPathNotFound, main, 8);
        FindingAssert.At(result, FindingCodes.UnknownSectionIgnored, main, 9);
        FindingAssert.NoErrors(result);
        Assert.Equal([so, "/path/to/other.so"], result.Definition.PluginPaths);
    }

    [Fact]
    public void Includes_resolve_against_the_including_file_and_cycles_are_detected()
    {
        using var files = new ConfigTestFiles();
        files.WriteLines("main.yaml", "includes:", "  - sub/inputs.yaml", "  - missing.yaml");
        var inputs = files.WriteLines("sub/inputs.yaml",
            "includes:",
            "  - outputs.yaml",
            "pipeline:",
            "  inputs:",
            "    - name: dummy");
        var outputs = files.WriteLines("sub/outputs.yaml",
            "includes:",
            "  - inputs.yaml",
            "pipeline:",
            "  outputs:",
            "    - name: null");

        var result = files.Load("main.yaml");

        FindingAssert.At(result, FindingCodes.IncludeNotFound, files.PathOf("main.yaml"), 3);
        FindingAssert.At(result, FindingCodes.IncludeCycle, outputs, 2);
        Assert.Equal(2, result.Findings.Count);
        Assert.Equal(["dummy"], result.Definition.Inputs.Select(i => i.PluginName));
        Assert.Equal(["null"], result.Definition.Outputs.Select(i => i.PluginName));
        Assert.Equal(new(outputs, 5), result.Definition.Outputs[0].Location);
        Assert.Equal([files.PathOf("main.yaml"), inputs, outputs], result.FilesRead);
    }

    [Fact]
    public void Invalid_yaml_is_an_error_at_its_line_and_earlier_content_is_kept()
    {
        using var files = new ConfigTestFiles();
        var main = files.WriteLines("main.yaml",
            "pipeline:",
            "  inputs:",
            "    - name: dummy",
            "  outputs:",
            "    - name: null",
            "     match: [unclosed");

        var result = files.Load("main.yaml");

        var finding = FindingAssert.One(result, FindingCodes.InvalidYaml);
        Assert.Equal(main, finding.File);
        Assert.InRange(finding.Line, 5, 7);
        Assert.DoesNotContain("Idx:", finding.Message);
        Assert.Equal(["dummy"], result.Definition.Inputs.Select(i => i.PluginName));
    }

    [Fact]
    public void Wrong_shapes_are_structure_errors()
    {
        using var files = new ConfigTestFiles();
        var main = files.WriteLines("main.yaml",
            "service:",
            "  - flush",
            "pipeline:",
            "  inputs:",
            "    name: dummy",
            "  outputs:",
            "    - stdout",
            "    - name: null",
            "  routers:",
            "    - name: x");

        var result = files.Load("main.yaml");

        FindingAssert.At(result, FindingCodes.YamlStructure, main, 2);
        FindingAssert.At(result, FindingCodes.YamlStructure, main, 5);
        FindingAssert.At(result, FindingCodes.YamlStructure, main, 7);
        var component = FindingAssert.At(result, FindingCodes.YamlStructure, main, 9);
        Assert.Contains("'routers' is not valid", component.Message);
        Assert.Equal(["null"], result.Definition.Outputs.Select(o => o.PluginName));
    }

    [Fact]
    public void Top_level_that_is_not_a_map_is_a_structure_error()
    {
        using var files = new ConfigTestFiles();
        var main = files.WriteLines("main.yaml", "- just", "- a list");

        FindingAssert.At(files.Load("main.yaml"), FindingCodes.YamlStructure, main, 1);
    }

    [Fact]
    public void Missing_name_duplicate_key_empty_value_and_list_value_are_errors()
    {
        using var files = new ConfigTestFiles();
        var main = files.WriteLines("main.yaml",
            "pipeline:",
            "  inputs:",
            "    - tag: x",
            "    - name: dummy",
            "      rate: 1",
            "      rate: 2",
            "      tag:",
            "      samples: [1, 2]",
            "      processors:",
            "        logs:",
            "          - name: content_modifier");

        var result = files.Load("main.yaml");

        FindingAssert.At(result, FindingCodes.MissingName, main, 3);
        var duplicate = FindingAssert.At(result, FindingCodes.DuplicateKey, main, 6);
        Assert.Contains("property 'rate' is set 2 times", duplicate.Message);
        FindingAssert.At(result, FindingCodes.UndefinedValue, main, 7);
        FindingAssert.At(result, FindingCodes.UnsupportedValue, main, 8);
        FindingAssert.At(result, FindingCodes.UnsupportedSectionIgnored, main, 9);
        Assert.Equal(5, result.Findings.Count);
        Assert.Equal("2", result.Definition.Inputs.Single().Properties.Get("rate"));
    }

    [Fact]
    public void Second_service_definition_is_an_error_and_merges()
    {
        using var files = new ConfigTestFiles();
        files.WriteLines("main.yaml", "service:", "  flush: 1", "includes:", "  - more.yaml");
        var more = files.WriteLines("more.yaml", "service:", "  grace: 2");

        var result = files.Load("main.yaml");

        FindingAssert.At(result, FindingCodes.DuplicateService, more, 1);
        Assert.Equal("1", result.Definition.Service.Get("flush"));
        Assert.Equal("2", result.Definition.Service.Get("grace"));
    }

    [Fact]
    public void Only_the_first_document_is_read()
    {
        using var files = new ConfigTestFiles();
        var main = files.WriteLines("main.yaml", "service:", "  flush: 1", "---", "service:", "  flush: 2");

        var result = files.Load("main.yaml");

        FindingAssert.At(result, FindingCodes.YamlMultipleDocuments, main, 3);
        Assert.Equal("1", result.Definition.Service.Get("flush"));
    }

    [Fact]
    public void Anchors_and_aliases_are_followed()
    {
        using var files = new ConfigTestFiles();
        files.WriteLines("main.yaml",
            "pipeline:",
            "  inputs:",
            "    - &in",
            "      name: dummy",
            "      tag: a",
            "  outputs:",
            "    - name: null",
            "      match: *in");

        var result = files.Load("main.yaml");

        FindingAssert.At(result, FindingCodes.UnsupportedValue, files.PathOf("main.yaml"), 8);
        Assert.Equal("dummy", result.Definition.Inputs[0].PluginName);
    }

    [Theory]
    [InlineData("main.yaml")]
    [InlineData("main.YML")]
    public void Loader_chooses_yaml_by_extension(string name)
    {
        using var files = new ConfigTestFiles();
        files.WriteLines(name, "pipeline:", "  inputs:", "    - name: dummy");

        var result = files.Load(name);

        FindingAssert.Clean(result);
        Assert.Single(result.Definition.Inputs);
        Assert.Equal("main", result.Definition.Name);
    }

    [Fact]
    public void Empty_yaml_file_is_fine()
    {
        using var files = new ConfigTestFiles();
        files.Write("main.yaml", "");

        FindingAssert.Clean(files.Load("main.yaml"));
    }

    [Fact]
    public void Absurd_flow_nesting_is_refused_quickly()
    {
        using var files = new ConfigTestFiles();
        var main = files.Write("main.yaml", "service:\n  flush: 1\nx: " + new string('[', 200_000) + "\n");

        var watch = System.Diagnostics.Stopwatch.StartNew();
        var result = files.Load("main.yaml");

        Assert.True(watch.Elapsed < TimeSpan.FromSeconds(10));
        var finding = FindingAssert.At(result, FindingCodes.InvalidYaml, main, 3);
        Assert.Contains("nest more than", finding.Message);
    }
}

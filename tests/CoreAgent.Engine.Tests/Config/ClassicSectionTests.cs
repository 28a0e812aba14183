using CoreAgent.Engine.Config;

namespace CoreAgent.Engine.Tests.Config;

public sealed class ClassicSectionTests
{
    [Fact]
    public void Section_types_match_by_case_insensitive_prefix_and_plural()
    {
        using var files = new ConfigTestFiles();
        files.WriteLines("main.conf",
            "[SERV]",
            "    Flush 2",
            "[in]",
            "    Name dummy",
            "[INPUTS]",
            "    Name cpu",
            "[FILT]",
            "    Name grep",
            "[OUT]",
            "    Name null",
            "[Outputs]",
            "    Name stdout");

        var result = files.Load("main.conf");

        // Read as Fluent Bit reads them, each with a warning naming the section it became.
        Assert.DoesNotContain(result.Findings, f => f.Severity == ConfigSeverity.Error);
        Assert.Equal([1, 3, 5, 7, 9, 11], result.Findings.Where(f => f.Code == FindingCodes.AbbreviatedSection).Select(f => f.Line));
        Assert.Contains(result.Findings, f => f.Message == "[SERV] is read as [SERVICE], as Fluent Bit reads it; write [SERVICE]");
        Assert.Equal("2", result.Definition.Service.Get("flush"));
        Assert.Equal(["dummy", "cpu"], result.Definition.Inputs.Select(i => i.PluginName));
        Assert.Equal(["grep"], result.Definition.Filters.Select(i => i.PluginName));
        Assert.Equal(["null", "stdout"], result.Definition.Outputs.Select(i => i.PluginName));
        Assert.Equal("main", result.Definition.Name);
    }

    [Fact]
    public void Unknown_section_is_accepted_and_ignored_with_a_warning()
    {
        using var files = new ConfigTestFiles();
        var main = files.WriteLines("main.conf",
            "[INPUT]",
            "    Name dummy",
            "[WHATEVER]",
            "    Name something",
            "[OUTPUT]",
            "    Name null");

        var result = files.Load("main.conf");

        FindingAssert.NoErrors(result);
        var finding = FindingAssert.At(result, FindingCodes.UnknownSectionIgnored, main, 3);
        Assert.Contains("[WHATEVER]", finding.Message);
        Assert.Single(result.Definition.Inputs);
        Assert.Single(result.Definition.Outputs);
    }

    [Fact]
    public void Repeated_service_sections_merge_and_a_repeated_key_warns()
    {
        using var files = new ConfigTestFiles();
        var main = files.WriteLines("main.conf",
            "[SERVICE]",
            "    Flush 1",
            "[INPUT]",
            "    Name dummy",
            "[SERVICE]",
            "    Log_Level debug",
            "    Flush 3");

        var result = files.Load("main.conf");

        FindingAssert.NoErrors(result);
        FindingAssert.At(result, FindingCodes.ServiceKeyRepeated, main, 7);
        Assert.Equal("3", result.Definition.Service.Get("flush"));
        Assert.Equal("debug", result.Definition.Service.Get("log_level"));
        Assert.Equal(7, result.Definition.Service.Find("flush")!.Location!.Line);
    }

    [Theory]
    [InlineData("PARSER")]
    [InlineData("MULTILINE_PARSER")]
    [InlineData("parser")]
    [InlineData("P")]
    public void Parser_sections_in_the_main_file_are_errors(string header)
    {
        using var files = new ConfigTestFiles();
        var main = files.WriteLines("main.conf",
            "[INPUT]",
            "    Name dummy",
            $"[{header}]",
            "    Name json",
            "    Format json");

        var result = files.Load("main.conf");

        var finding = FindingAssert.At(result, FindingCodes.ParserSectionInMain, main, 3);
        Assert.Equal(ConfigSeverity.Error, finding.Severity);
        Assert.Contains("parsers_file", finding.Message);
        Assert.Single(result.Definition.Inputs);
    }

    [Fact]
    public void Header_without_closing_bracket_is_a_bad_header_definition_and_reading_goes_on()
    {
        using var files = new ConfigTestFiles();
        var main = files.WriteLines("main.conf",
            "[INPUT",
            "    Name dummy",
            "[OUTPUT]",
            "    Name null",
            "    Match");

        var result = files.Load("main.conf");

        var finding = FindingAssert.At(result, FindingCodes.BadHeader, main, 1);
        Assert.Contains("bad header definition", finding.Message);
        FindingAssert.At(result, FindingCodes.UndefinedValue, main, 5);
        Assert.Equal(["dummy"], result.Definition.Inputs.Select(i => i.PluginName));
    }

    [Fact]
    public void Empty_header_is_a_bad_header()
    {
        using var files = new ConfigTestFiles();
        var main = files.WriteLines("main.conf", "[]", "    Name dummy");

        var result = files.Load("main.conf");

        FindingAssert.At(result, FindingCodes.BadHeader, main, 1);
        Assert.Empty(result.Definition.Inputs);
    }

    [Fact]
    public void Text_after_a_header_is_ignored_with_a_warning()
    {
        using var files = new ConfigTestFiles();
        var main = files.WriteLines("main.conf", "[INPUT] # the input", "    Name dummy");

        var result = files.Load("main.conf");

        FindingAssert.At(result, FindingCodes.TextAfterHeader, main, 1);
        FindingAssert.NoErrors(result);
        Assert.Single(result.Definition.Inputs);
    }

    [Fact]
    public void Indented_section_header_is_an_error_but_still_opens_the_section()
    {
        using var files = new ConfigTestFiles();
        var main = files.WriteLines("main.conf",
            "[INPUT]",
            "    Name dummy",
            "    [OUTPUT]",
            "    Name null");

        var result = files.Load("main.conf");

        FindingAssert.At(result, FindingCodes.IndentedHeader, main, 3);
        Assert.Equal(["null"], result.Definition.Outputs.Select(o => o.PluginName));
    }

    [Fact]
    public void Custom_and_stream_processor_sections_are_ignored_with_a_warning()
    {
        using var files = new ConfigTestFiles();
        var main = files.WriteLines("main.conf",
            "[CUSTOM]",
            "    Name calyptia",
            "[STREAM_PROCESSOR]",
            "    Name x");

        var result = files.Load("main.conf");

        FindingAssert.At(result, FindingCodes.UnsupportedSectionIgnored, main, 1);
        FindingAssert.At(result, FindingCodes.UnsupportedSectionIgnored, main, 3);
        FindingAssert.NoErrors(result);
    }

    [Fact]
    public void Section_without_name_is_an_error_at_its_header_and_is_left_out()
    {
        using var files = new ConfigTestFiles();
        var main = files.WriteLines("main.conf",
            "[INPUT]",
            "    Name dummy",
            "",
            "[OUTPUT]",
            "    Match *");

        var result = files.Load("main.conf");

        var finding = FindingAssert.At(result, FindingCodes.MissingName, main, 4);
        Assert.Equal("[OUTPUT]", finding.Section);
        Assert.Empty(result.Definition.Outputs);
    }

    [Fact]
    public void Unterminated_last_section_without_properties_reports_the_missing_name()
    {
        using var files = new ConfigTestFiles();
        var main = files.Write("main.conf", "[INPUT]\n    Name dummy\n[OUTPUT]");

        var result = files.Load("main.conf");

        FindingAssert.At(result, FindingCodes.MissingName, main, 3);
        Assert.Single(result.Definition.Inputs);
    }

    [Fact]
    public void Empty_service_section_warns()
    {
        using var files = new ConfigTestFiles();
        var main = files.WriteLines("main.conf", "[SERVICE]", "[INPUT]", "    Name dummy");

        var result = files.Load("main.conf");

        FindingAssert.At(result, FindingCodes.EmptySection, main, 1);
    }

    [Fact]
    public void Instance_and_properties_keep_file_and_line()
    {
        using var files = new ConfigTestFiles();
        var main = files.WriteLines("main.conf",
            "# a comment",
            "[INPUT]",
            "    Name  dummy",
            "    Rate 5");

        var result = files.Load("main.conf");

        FindingAssert.Clean(result);
        var input = Assert.Single(result.Definition.Inputs);
        Assert.Equal("dummy", input.PluginName);
        Assert.Equal(new(main, 2), input.Location);
        Assert.Equal("dummy", input.Properties.Get("Name"));
        Assert.Equal(new(main, 3), input.Properties.Find("name")!.Location);
        Assert.Equal(new(main, 4), input.Properties.Find("rate")!.Location);
        Assert.Equal(["name", "rate"], input.Properties.Keys);
    }
}

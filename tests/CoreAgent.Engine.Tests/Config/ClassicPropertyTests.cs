using CoreAgent.Engine.Config;

namespace CoreAgent.Engine.Tests.Config;

public sealed class ClassicPropertyTests
{
    [Fact]
    public void Key_and_value_split_at_the_first_space_keys_are_lowercased_values_trimmed()
    {
        using var files = new ConfigTestFiles();
        files.WriteLines("main.conf",
            "[INPUT]",
            "    NAME dummy",
            "    Dummy   {\"message\": \"a b\"}   ",
            "    Tag\u0020\u0020my.tag\t");

        var result = files.Load("main.conf");

        FindingAssert.Clean(result);
        var properties = result.Definition.Inputs[0].Properties;
        Assert.Equal(["name", "dummy", "tag"], properties.Keys);
        Assert.Equal("{\"message\": \"a b\"}", properties.Get("dummy"));
        Assert.Equal("my.tag", properties.Get("TAG"));
    }

    [Fact]
    public void A_tab_does_not_split_key_and_value()
    {
        using var files = new ConfigTestFiles();
        var main = files.WriteLines("main.conf",
            "[INPUT]",
            "    Name\tdummy",
            "    Rate\t5 x");

        var result = files.Load("main.conf");

        FindingAssert.At(result, FindingCodes.TabSeparator, main, 2);
        FindingAssert.At(result, FindingCodes.TabSeparator, main, 3);
        Assert.Equal(2, result.Findings.Count);
        // Best effort: the model splits at the tab.
        Assert.Equal("dummy", result.Definition.Inputs[0].PluginName);
    }

    [Fact]
    public void Key_without_value_is_an_undefined_value()
    {
        using var files = new ConfigTestFiles();
        var main = files.WriteLines("main.conf",
            "[INPUT]",
            "    Name dummy",
            "    Tag",
            "    Rate    ");

        var result = files.Load("main.conf");

        var tag = FindingAssert.At(result, FindingCodes.UndefinedValue, main, 3);
        Assert.Contains("undefined value", tag.Message);
        Assert.Equal("tag", tag.Key);
        FindingAssert.At(result, FindingCodes.UndefinedValue, main, 4);
        Assert.Null(result.Definition.Inputs[0].Properties.Get("tag"));
    }

    [Fact]
    public void There_are_no_inline_comments()
    {
        using var files = new ConfigTestFiles();
        files.WriteLines("main.conf", "[INPUT]", "    Name dummy # x");

        var result = files.Load("main.conf");

        FindingAssert.Clean(result);
        Assert.Equal("dummy # x", result.Definition.Inputs[0].PluginName);
    }

    [Fact]
    public void Key_given_twice_in_a_plugin_section_is_an_error()
    {
        using var files = new ConfigTestFiles();
        var main = files.WriteLines("main.conf",
            "[INPUT]",
            "    Name dummy",
            "    Rate 1",
            "    rate 2");

        var result = files.Load("main.conf");

        var finding = FindingAssert.At(result, FindingCodes.DuplicateKey, main, 4);
        Assert.Contains("property 'rate' is set 2 times", finding.Message);
        Assert.Equal("rate", finding.Key);
        Assert.Equal("[INPUT]", finding.Section);
    }

    [Fact]
    public void Property_before_any_section_is_an_error()
    {
        using var files = new ConfigTestFiles();
        var main = files.WriteLines("main.conf", "    Flush 1", "[INPUT]", "    Name dummy");

        var result = files.Load("main.conf");

        FindingAssert.At(result, FindingCodes.PropertyOutsideSection, main, 1);
        Assert.Single(result.Findings);
    }

    [Fact]
    public void Every_problem_in_the_file_is_reported_with_its_line()
    {
        using var files = new ConfigTestFiles();
        var main = files.WriteLines("main.conf",
            "[SERVICE]",                 // 1
            "    Flush 1",               // 2
            "[INPUT",                    // 3  bad header
            "    Name dummy",            // 4
            "    Rate",                  // 5  undefined value
            "Tag x",                     // 6  missing indent
            "[PARSER]",                  // 7  parser in main
            "    Name p",                // 8
            "[OUTPUT]",                  // 9
            "    Name\tnull",            // 10 tab separator
            "      Match *",             // 11 extra indentation
            "@SET nothing",              // 12 bad set
            "@INCLUDE missing.conf",     // 13 include not found
            "[FILTER]",                  // 14
            "    Match *",               // 15
            "[OUTPUT]",                  // 16
            "    Name stdout",           // 17
            "    Format json",           // 18
            "    format msgpack");       // 19 duplicate key

        var result = files.Load("main.conf");

        Assert.Equal(
            [
                (FindingCodes.BadHeader, 3), (FindingCodes.UndefinedValue, 5), (FindingCodes.MissingIndent, 6),
                (FindingCodes.ParserSectionInMain, 7), (FindingCodes.TabSeparator, 10), (FindingCodes.IndentMismatch, 11),
                (FindingCodes.BadSet, 12), (FindingCodes.IncludeNotFound, 13), (FindingCodes.MissingName, 14),
                (FindingCodes.DuplicateKey, 19),
            ],
            result.Findings.Select(f => (f.Code, f.Line)));
        Assert.All(result.Findings, f => Assert.Equal(main, f.File));
        Assert.Equal(["dummy"], result.Definition.Inputs.Select(i => i.PluginName));
        Assert.Equal(["null", "stdout"], result.Definition.Outputs.Select(i => i.PluginName));
    }
}

using CoreAgent.Engine.Config;

namespace CoreAgent.Engine.Tests.Config;

public sealed class ClassicIncludeTests
{
    [Fact]
    public void Include_is_case_insensitive_and_relative_to_the_main_file_directory()
    {
        using var files = new ConfigTestFiles();
        files.WriteLines("main.conf", "@include sub/inputs.conf", "[OUTPUT]", "    Name null");
        // Nested includes also resolve against the main file's directory, as in Fluent Bit.
        files.WriteLines("sub/inputs.conf", "@INCLUDE sub/more.conf", "[INPUT]", "    Name dummy");
        files.WriteLines("sub/more.conf", "[INPUT]", "    Name cpu");

        var result = files.Load("main.conf");

        FindingAssert.Clean(result);
        Assert.Equal(["cpu", "dummy"], result.Definition.Inputs.Select(i => i.PluginName));
        Assert.Equal([files.PathOf("main.conf"), files.PathOf("sub/inputs.conf"), files.PathOf("sub/more.conf")], result.FilesRead);
        Assert.Equal(new(files.PathOf("sub/more.conf"), 1), result.Definition.Inputs[0].Location);
    }

    [Fact]
    public void Include_glob_reads_every_match_in_order()
    {
        using var files = new ConfigTestFiles();
        files.WriteLines("main.conf", "@INCLUDE conf.d/*.conf");
        files.WriteLines("conf.d/b.conf", "[INPUT]", "    Name b");
        files.WriteLines("conf.d/a.conf", "[INPUT]", "    Name a");
        files.WriteLines("conf.d/c.txt", "[INPUT]", "    Name c");
        files.WriteLines("conf.d/.hidden.conf", "[INPUT]", "    Name hidden");

        var result = files.Load("main.conf");

        FindingAssert.Clean(result);
        Assert.Equal(["a", "b"], result.Definition.Inputs.Select(i => i.PluginName));
    }

    [Fact]
    public void Missing_include_and_empty_glob_are_errors_at_the_include_line()
    {
        using var files = new ConfigTestFiles();
        var main = files.WriteLines("main.conf",
            "[INPUT]",
            "    Name dummy",
            "@INCLUDE nope.conf",
            "@INCLUDE nothing/*.conf");

        var result = files.Load("main.conf");

        var missing = FindingAssert.At(result, FindingCodes.IncludeNotFound, main, 3);
        Assert.Contains("nope.conf", missing.Message);
        FindingAssert.At(result, FindingCodes.IncludeNotFound, main, 4);
        Assert.Single(result.Definition.Inputs);
    }

    [Fact]
    public void Include_relative_to_the_including_file_gets_a_hint()
    {
        using var files = new ConfigTestFiles();
        files.WriteLines("main.conf", "@INCLUDE sub/a.conf");
        var a = files.WriteLines("sub/a.conf", "@INCLUDE b.conf");
        files.WriteLines("sub/b.conf", "[INPUT]", "    Name dummy");

        var result = files.Load("main.conf");

        var finding = FindingAssert.At(result, FindingCodes.IncludeNotFound, a, 1);
        Assert.Contains("main file's directory", finding.Message);
    }

    [Fact]
    public void Include_cycle_is_detected_and_reading_terminates()
    {
        using var files = new ConfigTestFiles();
        files.WriteLines("main.conf", "@INCLUDE a.conf", "[INPUT]", "    Name dummy");
        var a = files.WriteLines("a.conf", "@INCLUDE b.conf");
        var b = files.WriteLines("b.conf", "@INCLUDE a.conf", "@INCLUDE main.conf");

        var result = files.Load("main.conf");

        var cycles = result.Findings.Where(f => f.Code == FindingCodes.IncludeCycle).ToList();
        Assert.Equal(2, cycles.Count);
        Assert.Equal((b, 1), (cycles[0].File!, cycles[0].Line));
        Assert.Contains("a.conf -> b.conf -> a.conf", cycles[0].Message);
        Assert.Equal((b, 2), (cycles[1].File!, cycles[1].Line));
        Assert.Single(result.Definition.Inputs);
        Assert.Equal(3, result.FilesRead.Count);
    }

    [Fact]
    public void Glob_that_matches_the_including_file_is_a_cycle()
    {
        using var files = new ConfigTestFiles();
        var main = files.WriteLines("main.conf", "@INCLUDE *.conf", "[INPUT]", "    Name dummy");
        files.WriteLines("other.conf", "[OUTPUT]", "    Name null");

        var result = files.Load("main.conf");

        FindingAssert.At(result, FindingCodes.IncludeCycle, main, 1);
        Assert.Single(result.Definition.Outputs);
    }

    [Fact]
    public void File_included_twice_is_read_once_with_a_warning()
    {
        using var files = new ConfigTestFiles();
        var main = files.WriteLines("main.conf", "@INCLUDE a.conf", "@INCLUDE b.conf");
        files.WriteLines("a.conf", "@INCLUDE common.conf");
        var b = files.WriteLines("b.conf", "@INCLUDE common.conf");
        files.WriteLines("common.conf", "[OUTPUT]", "    Name null");

        var result = files.Load("main.conf");

        FindingAssert.At(result, FindingCodes.IncludeRepeated, b, 1);
        FindingAssert.NoErrors(result);
        Assert.Single(result.Definition.Outputs);
    }

    [Fact]
    public void Deep_include_chain_stops_at_the_depth_limit()
    {
        using var files = new ConfigTestFiles();
        for (var i = 0; i < 80; i++) files.WriteLines($"f{i}.conf", $"@INCLUDE f{i + 1}.conf", "[INPUT]", $"    Name n{i}");
        files.WriteLines("f80.conf", "[INPUT]", "    Name last");

        var result = files.Load("f0.conf");

        var finding = FindingAssert.One(result, FindingCodes.IncludeTooDeep);
        Assert.Equal((files.PathOf("f63.conf"), 1), (finding.File!, finding.Line));
        Assert.Equal(64, result.FilesRead.Count);
        Assert.Equal(64, result.Definition.Inputs.Count);
    }

    [Fact]
    public void Sections_do_not_continue_across_an_include()
    {
        using var files = new ConfigTestFiles();
        files.WriteLines("main.conf",
            "[INPUT]",
            "    Name dummy",
            "@INCLUDE out.conf",
            "    Tag after.include");
        var output = files.WriteLines("out.conf", "    Match *", "[OUTPUT]", "    Name null");

        var result = files.Load("main.conf");

        FindingAssert.At(result, FindingCodes.PropertyOutsideSection, output, 1);
        Assert.Equal("after.include", result.Definition.Inputs[0].Properties.Get("tag"));
        Assert.Null(result.Definition.Outputs[0].Properties.Get("match"));
    }
}

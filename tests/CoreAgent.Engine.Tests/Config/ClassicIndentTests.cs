using CoreAgent.Engine.Config;

namespace CoreAgent.Engine.Tests.Config;

public sealed class ClassicIndentTests
{
    [Fact]
    public void First_indented_line_fixes_the_indent_for_the_whole_file()
    {
        using var files = new ConfigTestFiles();
        var main = files.WriteLines("main.conf",
            "[INPUT]",
            "  Name dummy",
            "[OUTPUT]",
            "  Name null",
            "   Match *");

        var result = files.Load("main.conf");

        var finding = FindingAssert.One(result, FindingCodes.IndentMismatch);
        Assert.Equal((main, 5), (finding.File!, finding.Line));
        Assert.Contains("fixed by line 2", finding.Message);
        // Best effort: the property is still read.
        Assert.Equal("*", result.Definition.Outputs[0].Properties.Get("match"));
    }

    [Fact]
    public void Exactly_double_indent_is_accepted_as_fluent_bit_does()
    {
        using var files = new ConfigTestFiles();
        files.WriteLines("main.conf", "[INPUT]", "    Name dummy", "        Rate 3");

        var result = files.Load("main.conf");

        FindingAssert.Clean(result);
        Assert.Equal("3", result.Definition.Inputs[0].Properties.Get("rate"));
    }

    [Fact]
    public void Property_at_column_zero_is_an_error_before_and_after_the_indent_is_fixed()
    {
        using var files = new ConfigTestFiles();
        var main = files.WriteLines("main.conf",
            "[INPUT]",
            "Name dummy",
            "    Tag t",
            "Rate 2");

        var result = files.Load("main.conf");

        FindingAssert.At(result, FindingCodes.MissingIndent, main, 2);
        FindingAssert.At(result, FindingCodes.MissingIndent, main, 4);
        Assert.Equal(2, result.Findings.Count);
        Assert.Equal("2", result.Definition.Inputs[0].Properties.Get("rate"));
    }

    [Fact]
    public void Mixing_tabs_and_spaces_is_an_error()
    {
        using var files = new ConfigTestFiles();
        var main = files.WriteLines("main.conf",
            "[INPUT]",
            "    Name dummy",
            "\tRate 2",
            "  \t  Tag x");

        var result = files.Load("main.conf");

        var first = FindingAssert.At(result, FindingCodes.MixedIndent, main, 3);
        Assert.Contains("inconsistent use of tab and space", first.Message);
        FindingAssert.At(result, FindingCodes.MixedIndent, main, 4);
    }

    [Fact]
    public void Tab_indent_is_fine_when_used_everywhere()
    {
        using var files = new ConfigTestFiles();
        files.WriteLines("main.conf", "[INPUT]", "\tName dummy", "[OUTPUT]", "\tName null");

        FindingAssert.Clean(files.Load("main.conf"));
    }

    [Fact]
    public void Whitespace_only_line_shorter_or_longer_than_the_indent_is_an_error()
    {
        using var files = new ConfigTestFiles();
        var main = files.WriteLines("main.conf",
            "[INPUT]",
            "    Name dummy",
            "  ",
            "    ",
            "",
            "     ",
            "    Rate 1");

        var result = files.Load("main.conf");

        FindingAssert.At(result, FindingCodes.BlankLineIndent, main, 3);
        FindingAssert.At(result, FindingCodes.BlankLineIndent, main, 6);
        Assert.Equal(2, result.Findings.Count);
        Assert.Equal("1", result.Definition.Inputs[0].Properties.Get("rate"));
    }

    [Fact]
    public void Whitespace_only_line_before_any_property_fixes_the_indent_as_in_fluent_bit()
    {
        using var files = new ConfigTestFiles();
        var main = files.WriteLines("main.conf",
            "[INPUT]",
            "  ",
            "    Name dummy");

        var result = files.Load("main.conf");

        // Four spaces against a two-space indent is exactly double: Fluent Bit reads it as group content.
        FindingAssert.Clean(result);

        var other = files.WriteLines("other.conf",
            "[INPUT]",
            "   ",
            "    Name dummy");
        var second = files.Load("other.conf");
        var finding = FindingAssert.At(second, FindingCodes.IndentMismatch, other, 3);
        Assert.Contains("fixed by line 2", finding.Message);
    }

    [Fact]
    public void Comment_after_the_indent_is_a_comment_and_an_indented_comment_with_other_indent_is_not()
    {
        using var files = new ConfigTestFiles();
        var main = files.WriteLines("main.conf",
            "# top",
            "[INPUT]",
            "    # inside",
            "    Name dummy",
            "  # wrong indent");

        var result = files.Load("main.conf");

        FindingAssert.At(result, FindingCodes.IndentMismatch, main, 5);
        Assert.Single(result.Findings);
    }

    [Fact]
    public void Each_file_fixes_its_own_indent()
    {
        using var files = new ConfigTestFiles();
        files.WriteLines("main.conf", "@INCLUDE out.conf", "[INPUT]", "    Name dummy");
        files.WriteLines("out.conf", "[OUTPUT]", "  Name null");

        var result = files.Load("main.conf");

        FindingAssert.Clean(result);
        Assert.Single(result.Definition.Outputs);
    }

    [Fact]
    public void Indented_group_is_ignored_with_a_warning()
    {
        using var files = new ConfigTestFiles();
        var main = files.WriteLines("main.conf",
            "[INPUT]",
            "    Name dummy",
            "    [rule] x",
            "        State start",
            "    Rate 2");

        var result = files.Load("main.conf");

        FindingAssert.At(result, FindingCodes.GroupIgnored, main, 3);
        var input = result.Definition.Inputs[0];
        Assert.Null(input.Properties.Get("state"));
        Assert.Equal("2", input.Properties.Get("rate"));
    }
}

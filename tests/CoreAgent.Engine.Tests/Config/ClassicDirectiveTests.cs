using CoreAgent.Engine.Config;

namespace CoreAgent.Engine.Tests.Config;

public sealed class ClassicDirectiveTests
{
    [Fact]
    public void Set_variables_expand_in_values_and_win_over_the_environment()
    {
        using var files = new ConfigTestFiles();
        files.Environment["RATE"] = "from-env";
        files.Environment["TAG"] = "env.tag";
        files.WriteLines("main.conf",
            "@SET RATE=5",
            "[INPUT]",
            "    Name ${NAME}",
            "    Rate ${RATE}",
            "    Tag ${TAG}.${RATE}",
            "@set NAME = dummy");

        var result = files.Load("main.conf");

        FindingAssert.Clean(result);
        var input = result.Definition.Inputs[0];
        Assert.Equal("dummy", input.PluginName);
        Assert.Equal("5", input.Properties.Get("rate"));
        Assert.Equal("env.tag.5", input.Properties.Get("tag"));
    }

    [Fact]
    public void Default_values_apply_to_unset_and_empty_variables()
    {
        using var files = new ConfigTestFiles();
        files.Environment["EMPTY"] = "";
        files.WriteLines("main.conf",
            "[INPUT]",
            "    Name ${PLUGIN:-dummy}",
            "    Tag ${EMPTY:-fallback}",
            "    Rate ${SET_RATE:-9}");

        var result = files.Load("main.conf");

        FindingAssert.Clean(result);
        var input = result.Definition.Inputs[0];
        Assert.Equal("dummy", input.PluginName);
        Assert.Equal("fallback", input.Properties.Get("tag"));
        Assert.Equal("9", input.Properties.Get("rate"));
    }

    [Fact]
    public void Unset_variable_becomes_empty_with_a_warning_at_its_line()
    {
        using var files = new ConfigTestFiles();
        var main = files.WriteLines("main.conf",
            "[INPUT]",
            "    Name dummy",
            "    Tag pre${NOT_SET}post",
            "    Dummy ${}");

        var result = files.Load("main.conf");

        var finding = FindingAssert.At(result, FindingCodes.UnsetVariable, main, 3);
        Assert.Contains("${NOT_SET}", finding.Message);
        Assert.Equal("tag", finding.Key);
        Assert.Equal("prepost", result.Definition.Inputs[0].Properties.Get("tag"));
        Assert.Equal("${}", result.Definition.Inputs[0].Properties.Get("dummy"));
        Assert.Single(result.Findings);
    }

    [Fact]
    public void Bad_set_unknown_directive_and_bare_include_are_reported()
    {
        using var files = new ConfigTestFiles();
        var main = files.WriteLines("main.conf",
            "@SET novalue",
            "@SET =x",
            "@FOO bar",
            "@INCLUDE",
            "@SET");

        var result = files.Load("main.conf");

        FindingAssert.At(result, FindingCodes.BadSet, main, 1);
        FindingAssert.At(result, FindingCodes.BadSet, main, 2);
        FindingAssert.At(result, FindingCodes.UnknownDirective, main, 3);
        FindingAssert.At(result, FindingCodes.BadDirective, main, 4);
        FindingAssert.At(result, FindingCodes.BadDirective, main, 5);
    }

    [Fact]
    public void Set_in_an_included_file_applies_everywhere()
    {
        using var files = new ConfigTestFiles();
        files.WriteLines("main.conf", "[OUTPUT]", "    Name ${OUT}", "@INCLUDE vars.conf");
        files.WriteLines("vars.conf", "@SET OUT=null");

        var result = files.Load("main.conf");

        FindingAssert.Clean(result);
        Assert.Equal("null", result.Definition.Outputs[0].PluginName);
    }
}

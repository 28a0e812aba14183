using CoreAgent.Engine.Config;

namespace CoreAgent.Engine.Tests.Config;

public sealed class PluginsConfigTests
{
    [Fact]
    public void Documented_fluent_bit_go_example_loads_the_plugin_from_the_plugins_file()
    {
        using var files = new ConfigTestFiles();
        var main = files.WriteLines("fluent-bit.conf",
            "[SERVICE]",
            "    Flush        1",
            "    Log_Level    info",
            "    plugins_file plugins.conf",
            "",
            "[INPUT]",
            "    Name dummy",
            "",
            "[OUTPUT]",
            "    Name  gstdout");
        var plugins = files.Write("plugins.conf", "[PLUGINS]\n    Path /path/to/out_gstdout.so\n");

        var result = files.Load("fluent-bit.conf");

        Assert.Equal(["/path/to/out_gstdout.so"], result.Definition.PluginPaths);
        Assert.Equal(["dummy"], result.Definition.Inputs.Select(i => i.PluginName));
        Assert.Equal(["gstdout"], result.Definition.Outputs.Select(o => o.PluginName));
        Assert.Equal("plugins.conf", result.Definition.Service.Get("plugins_file"));
        Assert.Equal([main, plugins], result.FilesRead);
        // The only finding: the .so of the documentation does not exist on this machine.
        var finding = Assert.Single(result.Findings);
        Assert.Equal((FindingCodes.PluginPathNotFound, plugins, 2), (finding.Code, finding.File!, finding.Line));
        Assert.False(result.HasErrors);
        Assert.Equal("fluent-bit", result.Definition.Name);
    }

    [Fact]
    public void Plugins_section_in_the_main_file_is_accepted_and_paths_become_absolute()
    {
        using var files = new ConfigTestFiles();
        var so = files.Write("plugins/out_x.so", "not really an elf");
        var main = files.WriteLines("main.conf",
            "[PLUGINS]",
            "    Path plugins/out_x.so",
            "    Other thing",
            "[INPUT]",
            "    Name dummy",
            "[OUTPUT]",
            "    Name x");

        var result = files.Load("main.conf");

        Assert.Equal([so], result.Definition.PluginPaths);
        FindingAssert.At(result, FindingCodes.UnknownKeyIgnored, main, 3);
        Assert.Single(result.Findings);
    }

    [Fact]
    public void Plugins_file_is_relative_to_the_main_file_and_its_paths_come_first()
    {
        using var files = new ConfigTestFiles();
        var a = files.Write("a.so", "");
        var b = files.Write("b.so", "");
        files.WriteLines("conf/main.conf",
            "[PLUGINS]",
            "    Path ../b.so",
            "[SERVICE]",
            "    plugins_file ../lists/plugins.conf");
        var list = files.WriteLines("lists/plugins.conf",
            "[PLUGINS]",
            "    Path ../a.so",
            "    Path ../b.so",
            "[INPUT]",
            "    Name ignored");

        var result = files.Load("conf/main.conf");

        Assert.Equal([a, b], result.Definition.PluginPaths);
        FindingAssert.At(result, FindingCodes.UnknownSectionIgnored, list, 4);
        FindingAssert.At(result, FindingCodes.PluginPathRepeated, files.PathOf("conf/main.conf"), 2);
        Assert.Empty(result.Definition.Inputs);
        FindingAssert.NoErrors(result);
    }

    [Fact]
    public void Missing_plugins_file_is_an_error_at_the_plugins_file_line()
    {
        using var files = new ConfigTestFiles();
        var main = files.WriteLines("main.conf", "[SERVICE]", "    Plugins_File nope.conf", "[INPUT]", "    Name dummy");

        var result = files.Load("main.conf");

        var finding = FindingAssert.At(result, FindingCodes.FileNotFound, main, 2);
        Assert.Contains("nope.conf", finding.Message);
        Assert.Single(result.Definition.Inputs);
    }

    [Fact]
    public void Parsers_file_is_read_and_kept_as_a_full_path()
    {
        using var files = new ConfigTestFiles();
        files.WriteLines("main.conf", "[SERVICE]", "    Parsers_File does-not-exist.conf");

        var result = files.Load("main.conf");

        FindingAssert.At(result, FindingCodes.FileNotFound, files.PathOf("main.conf"), 2);
        Assert.Equal(files.PathOf("does-not-exist.conf"), result.Definition.Service.Get("parsers_file"));
        Assert.Single(result.FilesRead);
    }

    [Fact]
    public void Plugins_file_may_be_yaml()
    {
        using var files = new ConfigTestFiles();
        var so = files.Write("out_y.so", "");
        files.WriteLines("main.conf", "[SERVICE]", "    plugins_file plugins.yaml");
        files.WriteLines("plugins.yaml", "plugins:", "  - out_y.so");

        var result = files.Load("main.conf");

        FindingAssert.Clean(result);
        Assert.Equal([so], result.Definition.PluginPaths);
    }

    [Fact]
    public void Set_variables_expand_in_plugin_paths()
    {
        using var files = new ConfigTestFiles();
        var so = files.Write("lib/out_z.so", "");
        files.WriteLines("main.conf", "@SET LIB=lib", "[PLUGINS]", "    Path ${LIB}/out_z.so");

        var result = files.Load("main.conf");

        FindingAssert.Clean(result);
        Assert.Equal([so], result.Definition.PluginPaths);
    }
}

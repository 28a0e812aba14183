using System.Text;
using CoreAgent.Engine.Config;

namespace CoreAgent.Engine.Tests.Config;

public sealed class ConfigEncodingTests
{
    private const string Pipeline = "[INPUT]\n    Name dummy\n[OUTPUT]\n    Name null\n    Match\n";

    [Fact]
    public void Utf8_bom_is_skipped_with_a_warning()
    {
        using var files = new ConfigTestFiles();
        var main = files.WriteBytes("main.conf", [0xEF, 0xBB, 0xBF, .. Encoding.UTF8.GetBytes(Pipeline)]);

        var result = files.Load("main.conf");

        FindingAssert.At(result, FindingCodes.ByteOrderMark, main, 1);
        FindingAssert.At(result, FindingCodes.UndefinedValue, main, 5);
        Assert.Single(result.Definition.Inputs);
    }

    [Fact]
    public void Crlf_lines_read_like_lf_lines()
    {
        using var files = new ConfigTestFiles();
        var main = files.Write("main.conf", Pipeline.Replace("\n", "\r\n"));

        var result = files.Load("main.conf");

        var finding = FindingAssert.One(result, FindingCodes.UndefinedValue);
        Assert.Equal(5, finding.Line);
        Assert.Equal("null", result.Definition.Outputs[0].PluginName);
    }

    [Fact]
    public void Utf16_is_decoded_with_a_warning()
    {
        using var files = new ConfigTestFiles();
        var main = files.WriteBytes("main.conf", [.. Encoding.Unicode.GetPreamble(), .. Encoding.Unicode.GetBytes(Pipeline)]);

        var result = files.Load("main.conf");

        FindingAssert.At(result, FindingCodes.ByteOrderMark, main, 1);
        FindingAssert.At(result, FindingCodes.UndefinedValue, main, 5);
        Assert.Equal("dummy", result.Definition.Inputs[0].PluginName);
    }

    [Fact]
    public void Invalid_utf8_warns_at_its_line()
    {
        using var files = new ConfigTestFiles();
        var main = files.WriteBytes("main.conf", [.. Encoding.UTF8.GetBytes("[INPUT]\n    Name dummy\n    Tag a"), 0xFF, 0xFE, (byte)'\n']);

        var result = files.Load("main.conf");

        FindingAssert.At(result, FindingCodes.InvalidUtf8, main, 3);
        Assert.Equal("a\uFFFD\uFFFD", result.Definition.Inputs[0].Properties.Get("tag"));
    }

    [Fact]
    public void Binary_content_is_an_error()
    {
        using var files = new ConfigTestFiles();
        var main = files.WriteBytes("main.conf", [.. Encoding.UTF8.GetBytes("[INPUT]\n    Name dummy\n"), 0, 1, 2, 0x0A, 0x7F]);

        var result = files.Load("main.conf");

        FindingAssert.At(result, FindingCodes.BinaryContent, main, 3);
        Assert.True(result.HasErrors);
    }

    [Fact]
    public void Huge_line_is_read()
    {
        using var files = new ConfigTestFiles();
        var big = new string('x', 3_000_000);
        files.Write("main.conf", $"[INPUT]\n    Name dummy\n    Dummy {big}\n");

        var result = files.Load("main.conf");

        FindingAssert.Clean(result);
        Assert.Equal(big.Length, result.Definition.Inputs[0].Properties.Get("dummy")!.Length);
    }

    [Fact]
    public void File_without_final_newline_and_empty_file_are_fine()
    {
        using var files = new ConfigTestFiles();
        files.Write("main.conf", "[INPUT]\n    Name dummy");
        files.Write("empty.conf", "");

        FindingAssert.Clean(files.Load("main.conf"));
        var empty = files.Load("empty.conf");
        FindingAssert.Clean(empty);
        Assert.Empty(empty.Definition.Inputs);
    }

    [Fact]
    public void Missing_main_file_is_an_error_and_the_definition_is_empty()
    {
        using var files = new ConfigTestFiles();
        var missing = files.PathOf("missing.conf");

        var result = files.Load("missing.conf");

        var finding = FindingAssert.One(result, FindingCodes.FileNotFound);
        Assert.Equal((missing, 0), (finding.File!, finding.Line));
        Assert.Empty(result.FilesRead);
        Assert.Equal("missing", result.Definition.Name);
    }

    [Fact]
    public void Directory_as_main_file_is_unreadable()
    {
        using var files = new ConfigTestFiles();
        Directory.CreateDirectory(files.PathOf("dir.conf"));

        FindingAssert.One(files.Load("dir.conf"), FindingCodes.FileUnreadable);
    }

    [Theory]
    [InlineData("")]
    [InlineData("bad\0path.conf")]
    public void Invalid_paths_do_not_throw(string path)
    {
        var result = ConfigLoader.Load(path);
        Assert.True(result.HasErrors);
    }

    [Fact]
    public void Device_or_oversized_include_is_not_read()
    {
        if (!File.Exists("/dev/zero")) return;
        using var files = new ConfigTestFiles();
        var main = files.WriteLines("main.conf", "@INCLUDE /dev/zero", "[INPUT]", "    Name dummy");

        var result = ConfigLoader.Load(main, new ConfigLoadOptions { MaxFileBytes = 10_000, GetEnvironmentVariable = _ => null });

        FindingAssert.At(result, FindingCodes.FileTooLarge, main, 1);
        Assert.Single(result.Definition.Inputs);
    }

    [Fact]
    public void Findings_are_capped_per_file_but_errors_still_count()
    {
        using var files = new ConfigTestFiles();
        var main = files.Write("main.conf", string.Concat(Enumerable.Repeat("[FOO]\n", 50)) + "[INPUT]\n    Tag x\n");

        var result = ConfigLoader.Load(main, new ConfigLoadOptions { MaxFindingsPerFile = 10, GetEnvironmentVariable = _ => null });

        FindingAssert.One(result, FindingCodes.TooManyFindings);
        Assert.Equal(10, result.Findings.Count(f => f.Code == FindingCodes.UnknownSectionIgnored));
        Assert.True(result.HasErrors);
        FindingAssert.One(result, FindingCodes.MissingName);
    }
}

using System.Text;
using CoreAgent.Engine.Config;
using CoreAgent.Engine.Pipeline;
using CsCheck;

namespace CoreAgent.Engine.Tests.Config;

/// <summary>
/// The readers never throw, and every finding (and every location in the model) points at a line
/// that exists in its file, whatever the input: random bytes, lines drawn from a grammar of valid
/// and broken lines, mutations of a valid file, and random include graphs with cycles.
/// </summary>
public sealed class ConfigFuzzTests
{
    private static readonly string[] ClassicLines =
    [
        "[SERVICE]", "[INPUT]", "[OUTPUT]", "[FILTER]", "[PLUGINS]", "[PARSER]", "[MULTILINE_PARSER]", "[FOO]",
        "[INPUT", "[]", "[SERVICE] trailing", "[ in ]", "    Name dummy", "    Name null", "    Rate 5", "    rate 6",
        "Name x", "\tName y", "  Tag z", "    Tag", "    Tag    ", "    Key\tvalue", "    # comment", "# comment", "",
        "   ", "    ", "        Deep 1", "  \t Mixed 1", "@SET A=1", "@SET B", "@set =", "@INCLUDE inc{n}.conf",
        "@include inc{n}.conf", "@INCLUDE *.conf", "@INCLUDE missing.conf", "@INCLUDE ", "@INCLUDE", "@FOO bar", "@",
        "    Tag ${A}", "    Tag ${UNSET}", "    Tag ${A:-d}", "    Tag ${", "    Tag ${}", "    Path x.so",
        "    Path inc{n}.conf", "    plugins_file plugins.conf", "    plugins_file inc{n}.conf", "    [group] x",
        "    [group", "    [OUTPUT]", "\r", "    Name \u00e9\u4e2d\U0001F600", "    Match *", "[SERVICE]\r",
        "    Mem_Buf_Limit 5M", "\0", "    \0 x", "\uFEFF[INPUT]",
    ];

    private static readonly string[] YamlLines =
    [
        "service:", "  flush: 1", "  logLevel: debug", "pipeline:", "  inputs:", "  outputs:", "  filters:",
        "  nonsense:", "    - name: dummy", "    - name: null", "      rate: 1", "      rate: 2", "      tag: ${A}",
        "      tag:", "      list: [1, 2]", "      map: {a: b}", "      processors:", "        logs: []", "    - plain",
        "includes:", "  - inc{n}.yaml", "  - missing.yaml", "  - '*.yaml'", "env:", "  A: 1", "  B: [x]", "plugins:",
        "  - x.so", "  - {a: b}", "parsers:", "customs:", "- top list", "  [", "{", "&a x", "*a", "key: *b", "---",
        "\t- tab", "? complex", "!!binary x", "'unclosed", "\"esc \\q\"", "key: &x {y: *x}", "", "   ", "# c", "\0",
    ];

    private static Gen<string> FileText(string[] grammar) =>
        Gen.Select(Gen.Int[0, grammar.Length - 1], Gen.Int[0, 3], (line, n) => grammar[line].Replace("{n}", n.ToString()))
            .Array[0, 30]
            .Select(Gen.OneOfConst("\n", "\r\n", "\r"), Gen.Bool, (lines, newline, final) =>
                string.Join(newline, lines) + (final ? newline : ""));

    [Fact]
    public void Random_bytes_never_break_either_reader()
    {
        Gen.Byte.Array[0, 3000].Sample(bytes => WithFiles(files =>
        {
            files.WriteBytes("main.conf", bytes);
            files.WriteBytes("main.yaml", bytes);
            Check(files.Load("main.conf"));
            Check(files.Load("main.yaml"));
        }), iter: 300);
    }

    [Fact]
    public void Random_classic_lines_and_include_graphs_never_break_the_reader()
    {
        FileText(ClassicLines).Array[6].Sample(texts => WithFiles(files =>
        {
            files.Write("main.conf", texts[0]);
            for (var i = 0; i < 4; i++) files.Write($"inc{i}.conf", texts[i + 1]);
            files.Write("plugins.conf", texts[5]);
            Check(files.Load("main.conf"));
        }), iter: 500);
    }

    [Fact]
    public void Random_yaml_lines_and_include_graphs_never_break_the_reader()
    {
        FileText(YamlLines).Array[5].Sample(texts => WithFiles(files =>
        {
            files.Write("main.yaml", texts[0]);
            for (var i = 0; i < 4; i++) files.Write($"inc{i}.yaml", texts[i + 1]);
            Check(files.Load("main.yaml"));
        }), iter: 500);
    }

    private const string ValidClassic =
        "@SET A=1\n[SERVICE]\n    Flush 1\n    plugins_file plugins.conf\n[INPUT]\n    Name dummy\n    Tag t.${A}\n" +
        "@INCLUDE inc0.conf\n[OUTPUT]\n    Name null\n    Match *\n";

    private const string ValidYaml =
        "env:\n  A: 1\nservice:\n  flush: 1\npipeline:\n  inputs:\n    - name: dummy\n      tag: t.${A}\n" +
        "  outputs:\n    - name: null\n      match: '*'\nincludes:\n  - inc0.yaml\n";

    private static Gen<string> Mutated(string text) =>
        Gen.Select(Gen.Int[0, 4], Gen.Int[0, text.Length], Gen.OneOfConst(' ', '\t', '[', ']', '#', '@', '$', '{', '}', '\n', '\r', '\0', ':', '-', '=', 'x'))
            .Array[1, 12]
            .Select(edits =>
            {
                var builder = new StringBuilder(text);
                foreach (var (op, position, c) in edits)
                {
                    var at = Math.Min(position, builder.Length);
                    switch (op)
                    {
                        case 0: builder.Insert(at, c); break;
                        case 1: if (at < builder.Length) builder.Remove(at, 1); break;
                        case 2: if (at < builder.Length) builder[at] = c; break;
                        case 3: builder.Insert(at, builder.ToString(0, at)); break;
                        default: if (at < builder.Length) builder.Remove(at, Math.Min(5, builder.Length - at)); break;
                    }
                }
                return builder.ToString();
            });

    [Fact]
    public void Mutated_valid_files_never_break_the_readers()
    {
        Gen.Select(Mutated(ValidClassic), Mutated(ValidYaml)).Sample((classic, yaml) => WithFiles(files =>
        {
            files.Write("main.conf", classic);
            files.Write("inc0.conf", classic);
            files.Write("plugins.conf", "[PLUGINS]\n    Path x.so\n");
            files.Write("main.yaml", yaml);
            files.Write("inc0.yaml", yaml);
            Check(files.Load("main.conf"));
            Check(files.Load("main.yaml"));
        }), iter: 400);
    }

    private static int _runs;
    private static int _findings;

    private static void WithFiles(Action<ConfigTestFiles> test)
    {
        using var files = new ConfigTestFiles();
        test(files);
        Interlocked.Increment(ref _runs);
    }

    [Fact]
    public void Fuzzing_really_runs_and_finds_problems()
    {
        var before = Volatile.Read(ref _runs);
        FileText(ClassicLines).Sample(text => WithFiles(files =>
        {
            files.Write("main.conf", text);
            var result = files.Load("main.conf");
            Check(result);
            Interlocked.Add(ref _findings, result.Findings.Count);
        }), iter: 200);
        Assert.True(Volatile.Read(ref _runs) - before >= 200);
        Assert.True(Volatile.Read(ref _findings) > 0);
    }

    /// <summary>An upper bound on a file's lines: every '\n' in any encoding contains the byte 0x0A.</summary>
    private static int MaxLine(string file) => File.ReadAllBytes(file).Count(b => b == 0x0A) + 1;

    private static void Check(ConfigLoadResult result)
    {
        Assert.NotNull(result.Definition);
        foreach (var finding in result.Findings)
        {
            Assert.NotEqual(FindingCodes.InternalError, finding.Code);
            Assert.Contains(finding.Code, FindingCodes.All);
            Assert.Equal(FindingCodes.SeverityOf(finding.Code), finding.Severity);
            Assert.False(string.IsNullOrWhiteSpace(finding.Message));
            Assert.NotNull(finding.File);
            Assert.True(File.Exists(finding.File), $"finding points at a file that does not exist: {finding}");
            Assert.InRange(finding.Line, 0, MaxLine(finding.File!));
        }
        Assert.Equal(result.HasErrors, result.Findings.Any(f => f.Severity == ConfigSeverity.Error));
        var definition = result.Definition;
        foreach (var instance in definition.Inputs.Concat(definition.Filters).Concat(definition.Outputs))
        {
            Assert.False(string.IsNullOrWhiteSpace(instance.PluginName));
            CheckLocation(instance.Location);
            foreach (var property in instance.Properties) CheckLocation(property.Location);
        }
        foreach (var property in definition.Service) CheckLocation(property.Location);
        Assert.All(definition.PluginPaths, path => Assert.True(Path.IsPathRooted(path)));
        Assert.All(result.FilesRead, path => Assert.True(File.Exists(path)));
    }

    private static void CheckLocation(Plugins.Properties.SourceLocation? location)
    {
        Assert.NotNull(location);
        Assert.True(File.Exists(location!.File));
        Assert.InRange(location.Line, 1, MaxLine(location.File));
    }
}

using System.Text;
using CoreAgent.Engine.Config;

namespace CoreAgent.Engine.Tests.Config;

/// <summary>A temporary directory of configuration files, deleted at the end of the test.</summary>
internal sealed class ConfigTestFiles : IDisposable
{
    public ConfigTestFiles()
    {
        Root = Path.Combine(Path.GetTempPath(), "coreagent-config-tests", Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(Root);
    }

    public string Root { get; }

    /// <summary>The environment the readers see (nothing else leaks in from the test process).</summary>
    public Dictionary<string, string> Environment { get; } = new(StringComparer.Ordinal);

    public ConfigLoadOptions Options => new() { GetEnvironmentVariable = name => Environment.GetValueOrDefault(name) };

    public string PathOf(string name) => Path.GetFullPath(Path.Combine(Root, name));

    /// <summary>Writes UTF-8 without a BOM, exactly as given (no newline conversion).</summary>
    public string Write(string name, string text) => WriteBytes(name, new UTF8Encoding(false).GetBytes(text));

    public string WriteBytes(string name, byte[] bytes)
    {
        var path = PathOf(name);
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        File.WriteAllBytes(path, bytes);
        return path;
    }

    /// <summary>Writes lines joined with '\n' and a final '\n', so that line N of the array is line N+1 of the file.</summary>
    public string WriteLines(string name, params string[] lines) => Write(name, string.Join("\n", lines) + "\n");

    public ConfigLoadResult Load(string name) => ConfigLoader.Load(PathOf(name), Options);

    public void Dispose()
    {
        try { Directory.Delete(Root, recursive: true); }
        catch (IOException) { }
        catch (UnauthorizedAccessException) { }
    }
}

internal static class FindingAssert
{
    /// <summary>Asserts that exactly one finding has this code and returns it.</summary>
    public static ConfigFinding One(ConfigLoadResult result, string code)
    {
        var matches = result.Findings.Where(f => f.Code == code).ToList();
        Assert.True(matches.Count == 1, $"expected one '{code}' finding, got {matches.Count}:\n{Describe(result)}");
        return matches[0];
    }

    /// <summary>Asserts a finding with this code at this file and line.</summary>
    public static ConfigFinding At(ConfigLoadResult result, string code, string file, int line)
    {
        var match = result.Findings.FirstOrDefault(f => f.Code == code && f.File == file && f.Line == line);
        Assert.True(match is not null, $"expected '{code}' at {file}:{line}, got:\n{Describe(result)}");
        Assert.Equal(FindingCodes.SeverityOf(code), match!.Severity);
        return match;
    }

    public static void NoErrors(ConfigLoadResult result) =>
        Assert.False(result.HasErrors, "expected no errors, got:\n" + Describe(result));

    public static void Clean(ConfigLoadResult result) =>
        Assert.True(result.Findings.Count == 0, "expected no findings, got:\n" + Describe(result));

    public static void Codes(ConfigLoadResult result, params string[] codes) =>
        Assert.Equal(codes.OrderBy(c => c), result.Findings.Select(f => f.Code).OrderBy(c => c));

    public static string Describe(ConfigLoadResult result) =>
        result.Findings.Count == 0 ? "(none)" : string.Join("\n", result.Findings);
}

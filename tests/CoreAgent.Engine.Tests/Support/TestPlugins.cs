using System.Diagnostics;

namespace CoreAgent.Engine.Tests.Support;

/// <summary>
/// The real Go test plugins (tests/plugins), built with the Go toolchain on first use. build.ps1
/// builds them first and passes the folder in COREAGENT_TEST_PLUGINS; a plain `dotnet test` builds
/// them itself (incrementally) into out/plugins.
/// </summary>
public static class TestPlugins
{
    private static readonly Lazy<string> Directory = new(Locate);

    public static string PathOf(string name)
    {
        var path = System.IO.Path.Combine(Directory.Value, name + ".so");
        if (!File.Exists(path)) throw new FileNotFoundException($"test plugin {path} was not built", path);
        return path;
    }

    public static string RepositoryRoot
    {
        get
        {
            var dir = new DirectoryInfo(AppContext.BaseDirectory);
            while (dir is not null && !File.Exists(System.IO.Path.Combine(dir.FullName, "CoreAgent.psd1"))) dir = dir.Parent;
            return dir?.FullName ?? throw new InvalidOperationException("cannot find the repository root above " + AppContext.BaseDirectory);
        }
    }

    private static string Locate()
    {
        var fromEnvironment = Environment.GetEnvironmentVariable("COREAGENT_TEST_PLUGINS");
        if (!string.IsNullOrEmpty(fromEnvironment) && File.Exists(System.IO.Path.Combine(fromEnvironment, "out_counter.so")))
            return fromEnvironment;

        var output = System.IO.Path.Combine(RepositoryRoot, "out", "plugins");
        var build = Process.Start(new ProcessStartInfo("bash", [System.IO.Path.Combine(RepositoryRoot, "tests", "plugins", "build.sh"), output])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        })!;
        string errors = build.StandardError.ReadToEnd();
        build.StandardOutput.ReadToEnd();
        build.WaitForExit();
        if (build.ExitCode != 0) throw new InvalidOperationException("building the Go test plugins failed: " + errors);
        return output;
    }
}

using CoreAgent.Engine.Tests.Support;

namespace CoreAgent.Engine.Tests.Net;

/// <summary>The real clients in tests/clients, built by tests/clients/build.sh into out/clients on first use.</summary>
public static class TestClients
{
    private static readonly Lazy<string> Directory = new(Build);

    public static string PathOf(string name) => Path.Combine(Directory.Value, name);

    private static string Build()
    {
        string output = Path.Combine(TestPlugins.RepositoryRoot, "out", "clients");
        var (code, text) = NetHarness.Run("bash", Path.Combine(TestPlugins.RepositoryRoot, "tests", "clients", "build.sh"), output);
        if (code != 0) throw new InvalidOperationException("building the test clients failed: " + text);
        return output;
    }
}

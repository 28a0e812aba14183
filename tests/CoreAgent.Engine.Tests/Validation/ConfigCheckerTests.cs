using CoreAgent.Engine.Config;
using CoreAgent.Engine.Pipeline;
using CoreAgent.Engine.Plugins;
using CoreAgent.Engine.Tests.Support;
using CoreAgent.Engine.Validation;

namespace CoreAgent.Engine.Tests.Validation;

[Collection("go")]
public class ConfigCheckerTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("coreagent-check-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private string Write(string name, string text)
    {
        var path = Path.Combine(_dir, name);
        File.WriteAllText(path, text.Replace("\r\n", "\n"));
        return path;
    }

    private static IReadOnlyList<ConfigFinding> Check(string path, bool probe = false) =>
        ConfigChecker.Check(ConfigLoader.Load(path), PluginCatalog.CreateDefault(), probe);

    [Fact]
    public void A_valid_file_has_no_errors_or_warnings()
    {
        var path = Write("ok.conf", "[SERVICE]\n    flush 1\n[INPUT]\n    name dummy\n    rate 5\n[OUTPUT]\n    name null\n    match *\n");
        Assert.Empty(Check(path));
    }

    [Fact]
    public void A_network_input_relying_on_the_listen_default_gets_an_information_finding()
    {
        var path = Write("net.conf", "[INPUT]\n    name http\n    port 9880\n[INPUT]\n    name forward\n    listen 0.0.0.0\n[INPUT]\n    name forward\n    unix_path /tmp/x.sock\n[OUTPUT]\n    name null\n    match *\n");

        var finding = Assert.Single(Check(path));

        Assert.Equal(ProblemCodes.ListenDefaultLoopback, finding.Code);
        Assert.Equal(ConfigSeverity.Information, finding.Severity);
        Assert.Equal((path, 1, "listen"), (finding.File, finding.Line, finding.Key));
        Assert.Contains("listens on 127.0.0.1 (loopback only), where Fluent Bit listens on 0.0.0.0", finding.Message);
    }

    [Fact]
    public void Plugin_and_property_problems_carry_code_file_line_and_key()
    {
        var path = Write("bad.conf", "[INPUT]\n    name dummy\n    rate fast\n    colour red\n[OUTPUT]\n    name nosuch\n    match *\n");

        var findings = Check(path);

        var rate = Assert.Single(findings, f => f.Key == "rate");
        Assert.Equal((ProblemCodes.BadValue, 3, "INPUT"), (rate.Code, rate.Line, rate.Section));
        Assert.Equal(path, rate.File);
        var colour = Assert.Single(findings, f => f.Key == "colour");
        Assert.Equal((ProblemCodes.UnknownProperty, 4), (colour.Code, colour.Line));
        Assert.Contains("allowed: dummy, metadata, rate", colour.Message);
        var plugin = Assert.Single(findings, f => f.Code == ProblemCodes.UnknownPlugin);
        Assert.Equal(5, plugin.Line);
        Assert.All(findings, f => Assert.Equal(ConfigSeverity.Error, f.Severity));
    }

    [Fact]
    public void Syntax_and_semantic_problems_are_reported_together()
    {
        var path = Write("both.conf", "[INPUT]\n    name dummy\n    rate 1\n    rate 2\n  tag x\n[OUTPUT]\n    name null\n    match *\n    retry_limit maybe\n");

        var codes = Check(path).Select(f => (f.Code, f.Line)).ToList();

        Assert.Contains((FindingCodes.DuplicateKey, 4), codes);
        Assert.Contains((FindingCodes.IndentMismatch, 5), codes);
        Assert.Contains((ProblemCodes.BadValue, 9), codes);
    }

    [Fact]
    public void Routing_problems_are_warnings()
    {
        var path = Write("route.conf", "[INPUT]\n    name dummy\n    tag app.a\n[OUTPUT]\n    name null\n    match other.*\n");

        var findings = Check(path);

        Assert.All(findings, f => Assert.Equal(ConfigSeverity.Warning, f.Severity));
        Assert.Contains(findings, f => f.Code == ProblemCodes.OutputMatchesNothing && f.Line == 4);
        Assert.Contains(findings, f => f.Code == ProblemCodes.InputRoutesNowhere && f.Line == 1);
    }

    [Fact]
    public void The_documented_Go_example_checks_clean_and_probing_reports_keys_and_reserved_ones()
    {
        Write("plugins.conf", $"[PLUGINS]\n    Path {TestPlugins.PathOf("out_counter")}\n");
        var path = Write("fluent-bit.conf",
            "[SERVICE]\n    flush 1\n    plugins_file plugins.conf\n[INPUT]\n    name dummy\n[OUTPUT]\n    name counter\n    id one\n    probe_reserved true\n    host example.org\n");

        Assert.DoesNotContain(Check(path), f => f.Severity != ConfigSeverity.Information);

        var probed = Check(path, probe: true);
        var keys = Assert.Single(probed, f => f.Code == ProblemCodes.PluginKeysRead);
        Assert.Contains("id", keys.Message);
        Assert.Contains("probe_reserved", keys.Message);
        var reserved = Assert.Single(probed, f => f.Code == ProblemCodes.ReservedKeyRead);
        Assert.Equal(("host", 10, ConfigSeverity.Warning), (reserved.Key, reserved.Line, reserved.Severity));
    }

    [Fact]
    public void Probing_reports_a_failing_init()
    {
        var path = Write("init.conf", $"[SERVICE]\n    flush 1\n[PLUGINS]\n    path {TestPlugins.PathOf("out_initfail")}\n[INPUT]\n    name dummy\n[OUTPUT]\n    name initfail\n");
        var finding = Assert.Single(Check(path, probe: true), f => f.Severity == ConfigSeverity.Error);
        Assert.Equal((ProblemCodes.PluginInitFailed, 7), (finding.Code, finding.Line));
    }

    [Fact]
    public void A_file_that_is_not_a_plugin_is_reported_where_it_is_named()
    {
        var notPlugin = Write("fake.so", "text");
        var path = Write("fake.conf", $"[PLUGINS]\n    path {notPlugin}\n[INPUT]\n    name dummy\n[OUTPUT]\n    name null\n");
        Assert.Contains(Check(path), f => f.Code == ProblemCodes.PluginLoadFailed && f.Severity == ConfigSeverity.Error);
    }
}

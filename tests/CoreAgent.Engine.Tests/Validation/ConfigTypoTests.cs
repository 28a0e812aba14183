using CoreAgent.Engine.Config;
using CoreAgent.Engine.Pipeline;
using CoreAgent.Engine.Plugins;
using CoreAgent.Engine.Validation;

namespace CoreAgent.Engine.Tests.Validation;

/// <summary>Typos and settings without effect get a warning with what was meant (issue 11, item 1).</summary>
public class ConfigTypoTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("coreagent-typo-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private IReadOnlyList<ConfigFinding> Check(string text)
    {
        var path = Path.Combine(_dir, "typo.conf");
        File.WriteAllText(path, text);
        return ConfigChecker.Check(ConfigLoader.Load(path), PluginCatalog.CreateDefault(), false);
    }

    [Theory]
    [InlineData("OUTPU", "OUTPUT")]
    [InlineData("outputs", "OUTPUT")]
    [InlineData("Inp", "INPUT")]
    public void An_abbreviated_header_is_read_as_its_section_with_a_warning(string header, string section)
    {
        var findings = Check($"[INPUT]\n    name dummy\n[{header}]\n    name null\n    match *\n".Replace("[INPUT]\n    name dummy\n[Inp]", "[Inp]\n    name dummy\n[OUTPUT]"));

        var finding = Assert.Single(findings, f => f.Code == FindingCodes.AbbreviatedSection);
        Assert.Equal(ConfigSeverity.Warning, finding.Severity);
        Assert.Contains($"is read as [{section}]", finding.Message);
        Assert.DoesNotContain(findings, f => f.Severity == ConfigSeverity.Error);
    }

    [Fact]
    public void A_full_section_name_in_any_case_has_no_warning()
    {
        Assert.Empty(Check("[input]\n    name dummy\n[Output]\n    name null\n    match *\n"));
    }

    [Fact]
    public void An_unknown_header_suggests_the_nearest_section()
    {
        var finding = Assert.Single(Check("[INPUT]\n    name dummy\n[OUPTUT]\n    name null\n[OUTPUT]\n    name null\n    match *\n"),
            f => f.Code == FindingCodes.UnknownSectionIgnored);
        Assert.EndsWith("did you mean [OUTPUT]?", finding.Message);
        Assert.Equal(3, finding.Line);
    }

    [Fact]
    public void A_header_far_from_every_section_gets_no_suggestion()
    {
        var finding = Assert.Single(Check("[INPUT]\n    name dummy\n[WIDGETS]\n    a b\n[OUTPUT]\n    name null\n    match *\n"),
            f => f.Code == FindingCodes.UnknownSectionIgnored);
        Assert.DoesNotContain("did you mean", finding.Message);
    }

    [Fact]
    public void Settings_without_effect_are_warnings_at_their_line()
    {
        var findings = Check("[SERVICE]\n    daemon on\n    log_file /tmp/x.log\n[INPUT]\n    name dummy\n[OUTPUT]\n    name null\n    match *\n");

        var noEffect = findings.Where(f => f.Code == ProblemCodes.SettingHasNoEffect).ToList();
        Assert.Equal([2, 3], noEffect.Select(f => f.Line));
        Assert.All(noEffect, f => Assert.Equal(ConfigSeverity.Warning, f.Severity));
        Assert.Equal(["daemon", "log_file"], noEffect.Select(f => f.Key));
    }

    [Fact]
    public void A_format_a_plugin_falls_back_from_is_a_warning_and_one_it_refuses_is_an_error()
    {
        var findings = Check("[INPUT]\n    name dummy\n[OUTPUT]\n    name stdout\n    match *\n    format jsonlines\n[OUTPUT]\n    name tcp\n    match *\n    format gelf\n");

        var fallback = Assert.Single(findings, f => f.Code == ProblemCodes.ValueFallsBack);
        Assert.Equal((6, ConfigSeverity.Warning), (fallback.Line, fallback.Severity));
        var refused = Assert.Single(findings, f => f.Severity == ConfigSeverity.Error);
        Assert.Equal((10, "format"), (refused.Line, refused.Key));
    }

    [Theory]
    [InlineData("tagg", new[] { "tag", "rate" }, "tag")]
    [InlineData("Flsuh", new[] { "flush", "grace" }, "flush")]
    [InlineData("colour", new[] { "tag", "rate" }, null)]
    public void The_suggestion_is_the_nearest_name_within_a_typo(string typed, string[] names, string? expected)
    {
        Assert.Equal(expected, NameSuggestion.Closest(typed, names));
    }
}

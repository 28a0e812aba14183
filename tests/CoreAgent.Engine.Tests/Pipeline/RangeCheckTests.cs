using CoreAgent.Engine.Config;
using CoreAgent.Engine.Pipeline;
using CoreAgent.Engine.Plugins;
using CoreAgent.Engine.Validation;
using static CoreAgent.Engine.Tests.Support.Pipelines;

namespace CoreAgent.Engine.Tests.Pipeline;

/// <summary>Values that once crashed or hung the engine (issue 10) are refused at build time, naming key and range.</summary>
public class RangeCheckTests
{
    [Theory]
    [InlineData("flush", "3000000", "allowed: 0.001 to 86400")]
    [InlineData("flush", "1e300", "allowed: 0.001 to 86400")]
    [InlineData("flush", "0", "allowed: 0.001 to 86400")]
    [InlineData("scheduler.base", "5000000", "allowed: 0.001 to 86400")]
    [InlineData("scheduler.cap", "1e12", "allowed: 0.001 to 2592000")]
    [InlineData("grace", "3000000", "allowed: 0 to 3600")]
    [InlineData("grace", "-1", "allowed: 0 to 3600")]
    [InlineData("mem_buf_limit.total", "5000G", "allowed: 0 to 1000000000000")]
    public void Service_values_out_of_range_are_refused_with_key_and_range(string key, string value, string range)
    {
        var definition = Definition([Spec("dummy")], [Spec("null")], (key, value));

        var error = Assert.Throws<PipelineBuildException>(() => AgentPipeline.Build(definition, PluginCatalog.CreateDefault()));

        var problem = Assert.Single(error.Problems);
        Assert.Equal(key, problem.Key);
        Assert.Contains($"'{value}' is out of range for '{key}'", problem.Message);
        Assert.Contains(range, problem.Message);
    }

    [Theory]
    [InlineData("rate", "99999999999")]
    [InlineData("copies", "1000000000")]
    [InlineData("interval_sec", "3000000")]
    [InlineData("interval_nsec", "-5")]
    public void Plugin_values_out_of_range_are_refused_with_key_and_range(string key, string value)
    {
        var definition = Definition([Spec("dummy", (key, value))], [Spec("null")]);

        var error = Assert.Throws<PipelineBuildException>(() => AgentPipeline.Build(definition, PluginCatalog.CreateDefault()));

        var problem = Assert.Single(error.Problems);
        Assert.Equal(key, problem.Key);
        Assert.Contains("is out of range", problem.Message);
        Assert.Contains("allowed: ", problem.Message);
    }

    [Fact]
    public void Workers_and_sizes_have_ranges_too()
    {
        var definition = Definition([Spec("dummy", ("mem_buf_limit", "1e300"))], [Spec("null", ("workers", "100000"))]);

        var error = Assert.Throws<PipelineBuildException>(() => AgentPipeline.Build(definition, PluginCatalog.CreateDefault()));

        Assert.Contains(error.Problems, p => p.Key == "workers" && p.Message.Contains("allowed: 0 to 256"));
        Assert.Contains(error.Problems, p => p.Key == "mem_buf_limit" && p.Message.Contains("out of range"));
    }

    [Fact]
    public void Values_inside_the_range_still_build()
    {
        var definition = Definition([Spec("dummy", ("rate", "1000000"), ("copies", "10"))], [Spec("null")],
            ("flush", "86400"), ("grace", "0"), ("scheduler.base", "0.001"), ("scheduler.cap", "2592000"));

        var pipeline = AgentPipeline.Build(definition, PluginCatalog.CreateDefault());

        Assert.Equal(86400, pipeline.Service.FlushSeconds);
    }

    [Fact]
    public void Test_AgentConfig_reports_out_of_range_values_with_line()
    {
        var dir = Directory.CreateTempSubdirectory("coreagent-range-").FullName;
        try
        {
            var path = Path.Combine(dir, "range.conf");
            File.WriteAllText(path, "[SERVICE]\n    flush 3000000\n    grace 3000000\n    scheduler.base 5000000\n[INPUT]\n    name dummy\n[OUTPUT]\n    name null\n    match *\n");

            var findings = ConfigChecker.Check(ConfigLoader.Load(path), PluginCatalog.CreateDefault());

            Assert.Equal(3, findings.Count(f => f.Severity == ConfigSeverity.Error));
            Assert.Contains(findings, f => f.Key == "flush" && f.Line == 2 && f.Message.Contains("allowed: 0.001 to 86400"));
            Assert.Contains(findings, f => f.Key == "grace" && f.Line == 3 && f.Message.Contains("allowed: 0 to 3600"));
            Assert.Contains(findings, f => f.Key == "scheduler.base" && f.Line == 4);
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }
}

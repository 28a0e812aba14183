using System.Diagnostics;
using CoreAgent.Engine.Pipeline;
using CoreAgent.Engine.Plugins;

namespace CoreAgent.Benchmarks;

/// <summary>
/// The filter stage's cost, engine only: the same dummy -> null as the dummy-null scenario with a
/// grep filter between them. The Regex matches every dummy record, so the figure is the cost of
/// reading each record's field and running the expression (a chunk that keeps everything is not
/// copied). The powershell filter needs a PowerShell host; tests/bench-filter.ps1 measures it.
/// </summary>
public static class FilterScenarios
{
    public static ScenarioResult DummyGrepNull(string name, BenchOptions options)
    {
        var definition = new PipelineDefinition { Name = name };
        definition.Inputs.Add(PluginInstanceSpec.Of("dummy", ("name", "dummy"), ("rate", "100000"), ("copies", "1000"), ("mem_buf_limit", "64M")));
        definition.Filters.Add(PluginInstanceSpec.Of("grep", ("name", "grep"), ("match", "*"), ("regex", "message ^dum+y$")));
        definition.Outputs.Add(PluginInstanceSpec.Of("null", ("name", "null"), ("match", "*")));
        definition.Service.Set("flush", "0.2");
        definition.Service.Set("grace", "1");
        var pipeline = AgentPipeline.Build(definition, PluginCatalog.CreateDefault());
        var (recordsPerSecond, cores, _) = Measurement.Run(pipeline, options.Seconds);
        if (pipeline.Filters[0].Metrics.DropRecords != 0) throw new InvalidOperationException("grep dropped dummy records: the scenario is wrong");
        return new ScenarioResult(name, "dummy (rate 100000, copies 1000) -> grep (Regex message ^dum+y$, keeps all) -> null",
            recordsPerSecond, cores, Measurement.PeakRssMiB(), 0);
    }
}

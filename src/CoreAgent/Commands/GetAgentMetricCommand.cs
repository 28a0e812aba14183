using System.Globalization;
using System.Management.Automation;
using CoreAgent.Engine.Monitoring;

namespace CoreAgent.Commands;

/// <summary>
/// The figures of /api/v1/metrics, and the metrics Go plugins keep themselves, as objects: one per
/// instance and metric, read from the engine's MetricsReport without any HTTP server.
/// </summary>
[Cmdlet(VerbsCommon.Get, "AgentMetric", DefaultParameterSetName = PipelineSelector.NameSet)]
[OutputType(typeof(AgentMetric))]
public sealed class GetAgentMetricCommand : PSCmdlet
{
    [Parameter(Mandatory = true, Position = 0, ValueFromPipeline = true, ParameterSetName = PipelineSelector.PipelineSet)]
    public AgentPipelineInfo[] Pipeline { get; set; } = [];

    [Parameter(Position = 0, ParameterSetName = PipelineSelector.NameSet)]
    [SupportsWildcards]
    [ArgumentCompleter(typeof(PipelineNameCompleter))]
    public string[] Name { get; set; } = ["*"];

    [Parameter(Mandatory = true, ParameterSetName = PipelineSelector.IdSet)]
    public Guid[] Id { get; set; } = [];

    /// <summary>Only the pipeline's counters: skip the call into each Go plugin (or its host) for its own metrics.</summary>
    [Parameter]
    public SwitchParameter NoPluginMetric { get; set; }

    protected override void ProcessRecord()
    {
        // Name's default (*) selects only in its own parameter set, not beside piped handles or -Id.
        string[] names = ParameterSetName == PipelineSelector.NameSet ? Name : [];
        foreach (var handle in PipelineSelector.Select(this, Pipeline, names, Id))
        {
            var report = MetricsReport.Of(handle.Engine, withPluginMetrics: !NoPluginMetric);
            foreach (var v in report.Values)
                WriteObject(new AgentMetric(handle.Name, v.Section, v.Instance, v.Plugin, v.Metric, v.Value, "counter", "", "Engine"));
            foreach (var p in report.PluginValues)
            {
                var m = p.Metric;
                WriteObject(new AgentMetric(handle.Name, p.Section, p.Instance, p.Plugin, m.Name, m.Value, m.Type, MonitoringFormats.LabelList(m.Labels), "Plugin"));
            }
        }
    }
}

using CoreAgent.Engine.Pipeline;
using CoreAgent.Engine.Plugins;

namespace CoreAgent.Engine.Tests.Support;

public static class Pipelines
{
    public static PluginInstanceSpec Spec(string plugin, params (string Key, string Value)[] properties)
    {
        var spec = PluginInstanceSpec.Of(plugin, properties);
        spec.Properties.Set("name", plugin);
        return spec;
    }

    public static PipelineDefinition Definition(PluginInstanceSpec[] inputs, PluginInstanceSpec[] outputs, params (string Key, string Value)[] service)
    {
        var definition = new PipelineDefinition { Name = "test" };
        definition.Inputs.AddRange(inputs);
        definition.Outputs.AddRange(outputs);
        foreach (var (key, value) in service) definition.Service.Set(key, value);
        return definition;
    }

    public static (AgentPipeline Pipeline, List<Logging.LogEntry> Log) Build(PipelineDefinition definition, PluginCatalog catalog)
    {
        var entries = new List<Logging.LogEntry>();
        var log = new Logging.AgentLog();
        log.Written += e => { lock (entries) entries.Add(e); };
        return (AgentPipeline.Build(definition, catalog, log), entries);
    }
}

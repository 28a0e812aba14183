using CoreAgent.Engine.Pipeline;
using CoreAgent.Engine.Plugins;

namespace CoreAgent.Benchmarks;

/// <summary>
/// The cost of filesystem buffering: the dummy-null pipeline with storage.type filesystem, so every
/// dummy tick (1000 records) is one CRC-32C-checked append to a chunk file before it is accepted,
/// and every chunk file is deleted once null has it. With storage.sync full each append is fsynced.
/// Compared with dummy-null of the same run (target: at least half its speed).
/// </summary>
public static class StorageScenarios
{
    public static ScenarioResult DummyNullFilesystem(string name, string sync, BenchOptions options)
    {
        var storage = Directory.CreateTempSubdirectory("coreagent-bench-storage-").FullName;
        try
        {
            var definition = new PipelineDefinition { Name = name };
            definition.Inputs.Add(PluginInstanceSpec.Of("dummy", ("name", "dummy"), ("rate", "100000"), ("copies", "1000"), ("mem_buf_limit", "64M"),
                ("storage.type", "filesystem")));
            definition.Outputs.Add(PluginInstanceSpec.Of("null", ("name", "null"), ("match", "*")));
            definition.Service.Set("flush", "0.2");
            definition.Service.Set("grace", "1");
            definition.Service.Set("storage.path", storage);
            definition.Service.Set("storage.sync", sync);
            var pipeline = AgentPipeline.Build(definition, PluginCatalog.CreateDefault());
            var (recordsPerSecond, cores, _) = Measurement.Run(pipeline, options.Seconds);
            return new ScenarioResult(name, $"dummy (rate 100000, copies 1000, storage.type filesystem, storage.sync {sync}) -> null",
                recordsPerSecond, cores, Measurement.PeakRssMiB(), 0);
        }
        finally
        {
            Directory.Delete(storage, recursive: true);
        }
    }
}

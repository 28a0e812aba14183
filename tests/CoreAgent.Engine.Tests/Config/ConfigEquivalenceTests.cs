using System.Text;
using CoreAgent.Engine.Pipeline;

namespace CoreAgent.Engine.Tests.Config;

public sealed class ConfigEquivalenceTests
{
    /// <summary>A dump of the model without locations: what a pipeline means, not where it was written.</summary>
    internal static string Dump(PipelineDefinition definition)
    {
        var text = new StringBuilder();
        text.Append("service:");
        foreach (var p in definition.Service) text.Append($" {p.Key.ToLowerInvariant()}={p.Value}");
        text.AppendLine();
        void Instances(string kind, List<PluginInstanceSpec> list)
        {
            foreach (var instance in list)
            {
                text.Append($"{kind} {instance.PluginName}:");
                foreach (var p in instance.Properties) text.Append($" {p.Key.ToLowerInvariant()}={p.Value}");
                text.AppendLine();
            }
        }
        Instances("input", definition.Inputs);
        Instances("filter", definition.Filters);
        Instances("output", definition.Outputs);
        foreach (var path in definition.PluginPaths) text.AppendLine($"plugin {path}");
        return text.ToString();
    }

    [Fact]
    public void Classic_and_yaml_of_the_same_pipeline_give_the_same_model()
    {
        using var files = new ConfigTestFiles();
        files.Write("out_x.so", "");
        files.Environment["HOST_TAG"] = "h1";
        files.WriteLines("pipeline.conf",
            "@SET TAG=app",
            "[SERVICE]",
            "    Flush     2",
            "    Log_Level debug",
            "",
            "[INPUT]",
            "    Name          dummy",
            "    Tag           ${TAG}.${HOST_TAG}",
            "    Rate          10",
            "    Mem_Buf_Limit 5M",
            "    Dummy         {\"message\": \"hello world\"}",
            "",
            "[FILTER]",
            "    Name  grep",
            "    Match *",
            "    Regex message ^h",
            "",
            "[OUTPUT]",
            "    Name   stdout",
            "    Match  app.*",
            "    Format json_lines",
            "",
            "[PLUGINS]",
            "    Path out_x.so");
        files.WriteLines("pipeline.yaml",
            "env:",
            "  TAG: app",
            "service:",
            "  flush: 2",
            "  logLevel: debug",
            "pipeline:",
            "  inputs:",
            "    - name: dummy",
            "      tag: ${TAG}.${HOST_TAG}",
            "      rate: 10",
            "      memBufLimit: 5M",
            "      dummy: '{\"message\": \"hello world\"}'",
            "  filters:",
            "    - name: grep",
            "      match: '*'",
            "      regex: message ^h",
            "  outputs:",
            "    - name: stdout",
            "      match: app.*",
            "      format: json_lines",
            "plugins:",
            "  - out_x.so");

        var classic = files.Load("pipeline.conf");
        var yaml = files.Load("pipeline.yaml");

        FindingAssert.Clean(classic);
        FindingAssert.Clean(yaml);
        Assert.Equal(Dump(classic.Definition), Dump(yaml.Definition));
        Assert.Contains("tag=app.h1", Dump(yaml.Definition));
        Assert.Equal(classic.Definition.Name, yaml.Definition.Name);
    }
}

using CoreAgent.Engine.Pipeline;
using CoreAgent.Engine.Plugins;
using Xunit;

namespace CoreAgent.Engine.Tests.Pipeline;

public class RelativePathsTests
{
    [Fact]
    public void Relative_paths_of_path_properties_are_made_absolute_against_the_given_directory()
    {
        var definition = new PipelineDefinition();
        definition.Service.Set("storage.path", "./buffer");
        definition.Inputs.Add(PluginInstanceSpec.Of("tail", ("path", "logs/*.log, /var/log/app.log,./b/c.log"), ("db", "tail.db"), ("exclude_path", "*.gz"), ("tag", "app")));
        definition.Outputs.Add(PluginInstanceSpec.Of("file", ("path", "out"), ("file", "records.txt")));
        definition.Outputs.Add(PluginInstanceSpec.Of("forward", ("unix_path", "/run/fluent.sock"), ("tls.ca_file", "certs/ca.pem")));

        RelativePaths.Resolve(definition, PluginCatalog.CreateDefault(), "/home/user/work");

        Assert.Equal("/home/user/work/buffer", definition.Service.Get("storage.path"));
        Assert.Equal("/home/user/work/logs/*.log, /var/log/app.log,/home/user/work/b/c.log", definition.Inputs[0].Properties.Get("path"));
        Assert.Equal("/home/user/work/tail.db", definition.Inputs[0].Properties.Get("db"));
        Assert.Equal("*.gz", definition.Inputs[0].Properties.Get("exclude_path")); // a pattern matched against whole paths, not a path
        Assert.Equal("app", definition.Inputs[0].Properties.Get("tag"));
        Assert.Equal("/home/user/work/out", definition.Outputs[0].Properties.Get("path"));
        Assert.Equal("records.txt", definition.Outputs[0].Properties.Get("file")); // joined to Path by the plugin
        Assert.Equal("/run/fluent.sock", definition.Outputs[1].Properties.Get("unix_path"));
        Assert.Equal("/home/user/work/certs/ca.pem", definition.Outputs[1].Properties.Get("tls.ca_file"));
    }

    [Fact]
    public void Values_keep_their_position_and_unknown_plugins_are_left_alone()
    {
        var definition = new PipelineDefinition();
        var tail = PluginInstanceSpec.Of("tail", ("path", "a.log"), ("read_from_head", "on"));
        definition.Inputs.Add(tail);
        definition.Outputs.Add(PluginInstanceSpec.Of("some_go_plugin", ("path", "relative")));

        RelativePaths.Resolve(definition, PluginCatalog.CreateDefault(), "/base");

        Assert.Equal(["path", "read_from_head"], tail.Properties.Select(p => p.Key));
        Assert.Equal("/base/a.log", tail.Properties.Get("path"));
        Assert.Equal("relative", definition.Outputs[0].Properties.Get("path"));
    }
}

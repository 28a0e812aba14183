using System.Text;
using CoreAgent.Engine.GoPlugins;
using CoreAgent.Engine.GoPlugins.EventShapes;
using CoreAgent.Engine.Plugins;
using CoreAgent.Engine.Tests.Support;
using static CoreAgent.Engine.Tests.Support.Pipelines;

namespace CoreAgent.Engine.Tests.GoPlugins;

[Collection("go")]
public class LegacyEventShapeTests : IDisposable
{
    private const string RecordTime = "1795639451\t784245484";
    private readonly string _dir = Directory.CreateTempSubdirectory("coreagent-legacy-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [Theory]
    [InlineData("legacy_out_times", "unknown")]
    [InlineData("modlegacy_out_times", "v0.0.0-20220225140424-d3d1b2b18a85")]
    public void An_old_SDK_build_is_detected_as_legacy(string plugin, string revision)
    {
        var sdk = GoSdkDetection.Detect(File.ReadAllBytes(TestPlugins.PathOf(plugin)));
        Assert.Equal(EventShape.Legacy, sdk.Shape);
        Assert.Equal(revision, sdk.Revision);
    }

    [Fact]
    public void A_new_SDK_build_keeps_the_v2_shape()
    {
        var sdk = GoSdkDetection.Detect(File.ReadAllBytes(TestPlugins.PathOf("out_counter")));
        Assert.Equal(EventShape.V2, sdk.Shape);
        Assert.Equal("unknown", sdk.Revision);
        var library = GoPluginLibrary.Load(TestPlugins.PathOf("out_counter"));
        Assert.Equal(EventShape.V2, library.Sdk.Shape);
        Assert.Contains("FLBPluginFlushCtx", library.EntryPoints);
    }

    [Theory]
    [InlineData("v0.0.0-20230731000000-a7a013e6bd2b", EventShape.V2)]
    [InlineData("v0.0.0-20230730235959-0123456789ab", EventShape.Legacy)]
    [InlineData("v1.0.1-0.20190301000000-0123456789ab", EventShape.Legacy)]
    [InlineData("v0.0.0-20240101000000-0123456789ab", EventShape.V2)]
    public void The_build_info_pseudo_version_date_decides(string version, EventShape expected)
    {
        var file = Encoding.ASCII.GetBytes("junk\tpath\texample.com/p\nmod\texample.com/p\t(devel)\t\ndep\tgithub.com/fluent/fluent-bit-go\t" + version + "\t\n");
        var sdk = GoSdkDetection.Detect(file);
        Assert.Equal(version, sdk.Revision);
        Assert.Equal(expected, sdk.Shape);
    }

    [Fact]
    public void Conversion_keeps_time_and_body_bytes_and_drops_metadata()
    {
        byte[] time = [0xd7, 0x00, 1, 2, 3, 4, 5, 6, 7, 8];
        byte[] v2 = [0x92, 0x92, .. time, 0x81, 0xa1, (byte)'m', 0x01, 0x81, 0xa1, (byte)'k', 0xa1, (byte)'v'];
        byte[] legacy = [0x92, .. time, 0x81, 0xa1, (byte)'k', 0xa1, (byte)'v'];
        int length = LegacyShapeConverter.Convert(new ReadOnlyMemory<byte>([.. v2, .. legacy, .. v2]), out var output);
        Assert.Equal([.. legacy, .. legacy, .. legacy], output.AsSpan(0, length).ToArray());
        System.Buffers.ArrayPool<byte>.Shared.Return(output);
    }

    private List<string> Run(string plugin, params (string, string)[] extra)
    {
        string file = Path.Combine(_dir, plugin + ".tsv");
        var catalog = PluginCatalog.CreateDefault();
        catalog.ImportGo(TestPlugins.PathOf(plugin));
        var definition = Definition(
            [Spec("dummy", ("samples", "3"), ("copies", "2"), ("rate", "100"), ("fixed_timestamp", "true"),
                ("start_time_sec", "1795639451"), ("start_time_nsec", "784245484"), ("metadata", """{"mk":"mv"}"""), ("dummy", """{"msg":"hi"}"""))],
            [Spec("legacy_times", [("path", file), .. extra])],
            ("flush", "0.1"));
        var (pipeline, _) = Build(definition, catalog);
        pipeline.Start();
        Eventually.True(() => File.Exists(file) && File.ReadAllLines(file).Length == 6, "6 records in the plugin's file");
        pipeline.Stop();
        Assert.Equal(6, pipeline.Outputs[0].Metrics.ProcRecords);
        return [.. File.ReadAllLines(file)];
    }

    [Theory]
    [InlineData("legacy_out_times")]
    [InlineData("modlegacy_out_times")]
    public void An_old_plugin_gets_the_record_time_not_the_flush_time(string plugin)
    {
        var lines = Run(plugin);
        Assert.Equal(6, lines.Count);
        Assert.All(lines, l => Assert.Equal(RecordTime + "\thi", l));
    }

    [Fact]
    public void Event_shape_v2_forces_the_unconverted_chunk()
    {
        var lines = Run("legacy_out_times", ("event_shape", "v2"));
        Assert.All(lines, l => Assert.Equal("flush-time\thi", l));
    }
}

using CoreAgent.Engine.GoPlugins.Cmetrics;

namespace CoreAgent.Engine.Tests.GoPlugins;

public class PrometheusTextReaderTests
{
    [Fact]
    public void Samples_keep_their_labels_type_and_help()
    {
        const string text = """
            # HELP fluentbit_plugin_sent Bytes sent
            # TYPE fluentbit_plugin_sent counter
            fluentbit_plugin_sent{host="a \"b\"",zone="eu"} 12 1700000000000
            fluentbit_plugin_sent 3
            # TYPE fluentbit_plugin_latency histogram
            fluentbit_plugin_latency_bucket{le="+Inf"} 4
            fluentbit_plugin_latency_sum 0.5
            garbage{ line
            up +Inf
            """;
        var metrics = PrometheusTextReader.Read(text);
        Assert.Equal(5, metrics.Count);
        Assert.Equal(("counter", "Bytes sent", 12.0, "a \"b\"", "eu"),
            (metrics[0].Type, metrics[0].Help, metrics[0].Value, metrics[0].Labels["host"], metrics[0].Labels["zone"]));
        Assert.Empty(metrics[1].Labels);
        Assert.Equal(("histogram", "+Inf"), (metrics[2].Type, metrics[2].Labels["le"]));
        Assert.Equal("histogram", metrics[3].Type);
        Assert.Equal(("untyped", double.PositiveInfinity), (metrics[4].Type, metrics[4].Value));
    }
}

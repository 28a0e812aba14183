using System.Text;
using CoreAgent.Engine.Logging;
using CoreAgent.Engine.Plugins;
using CoreAgent.Engine.Plugins.Outputs.File;
using CoreAgent.Engine.Plugins.Properties;
using CoreAgent.Engine.Records;
using CoreAgent.Engine.Tests.Support;
using MessagePack;

namespace CoreAgent.Engine.Tests.Outputs;

public sealed class FileOutputTests : IDisposable
{
    private static readonly EventTime Time = new(1795639451, 784245484);
    private readonly string _dir = Path.Combine(Path.GetTempPath(), "coreagent-file-" + Guid.NewGuid().ToString("N"));

    public FileOutputTests() => Directory.CreateDirectory(_dir);

    public void Dispose()
    {
        try { Directory.Delete(_dir, true); } catch (IOException) { }
    }

    private delegate void Build(ref MessagePackWriter writer);

    private static byte[] Pack(Build build)
    {
        var buffer = new System.Buffers.ArrayBufferWriter<byte>();
        var writer = new MessagePackWriter(buffer);
        build(ref writer);
        writer.Flush();
        return buffer.WrittenSpan.ToArray();
    }

    // {"msg":"say \"hi\"","n":7,"f":1.5,"b":true,"z":nil}
    private static byte[] Body() => Pack((ref MessagePackWriter w) =>
    {
        w.WriteMapHeader(5);
        w.Write("msg"); w.Write("say \"hi\"");
        w.Write("n"); w.Write(7);
        w.Write("f"); w.Write(1.5);
        w.Write("b"); w.Write(true);
        w.Write("z"); w.WriteNil();
    });

    private static byte[] Events(params (EventTime Time, byte[] Body)[] events)
    {
        var bytes = new List<byte>();
        foreach (var (time, body) in events)
        {
            var one = new byte[EventEncoder.SizeOf(EventEncoder.EmptyMap, body)];
            EventEncoder.Write(one, time, EventEncoder.EmptyMap, body);
            bytes.AddRange(one);
        }
        return bytes.ToArray();
    }

    private (FileOutput Output, List<LogEntry> Log) Create(params (string Key, string Value)[] properties)
    {
        var output = new FileOutput();
        var log = new AgentLog();
        var entries = new List<LogEntry>();
        log.Written += e => { lock (entries) entries.Add(e); };
        var props = PluginProperties.From(properties.Select(p => new KeyValuePair<string, string>(p.Key, p.Value)));
        output.Init(new OutputContext("file.0", props, log, Guid.NewGuid()));
        return (output, entries);
    }

    private string FlushAndRead(string format, byte[] events, params (string Key, string Value)[] extra)
    {
        var props = new List<(string, string)> { ("path", _dir), ("file", "out.log") };
        if (format.Length > 0) props.Add(("format", format));
        props.AddRange(extra);
        var (output, _) = Create(props.ToArray());
        Assert.Equal(FlushResult.Ok, output.Flush(Chunk.FromBytes("dummy.0", events, 1)));
        return System.IO.File.ReadAllText(Path.Combine(_dir, "out.log"), Encoding.UTF8);
    }

    [Fact]
    public void Default_format_is_tag_then_time_with_nine_decimals_and_the_json_body()
    {
        var text = FlushAndRead("", Events((Time, Body())));
        Assert.Equal("dummy.0: [1795639451.784245484, {\"msg\":\"say \\\"hi\\\"\",\"n\":7,\"f\":1.5,\"b\":true,\"z\":null}]\n", text);
    }

    [Fact]
    public void Out_file_names_the_default_format_explicitly()
    {
        var text = FlushAndRead("out_file", Events((new EventTime(5, 7), Body())));
        Assert.StartsWith("dummy.0: [5.000000007, {", text);
    }

    [Fact]
    public void Plain_format_is_the_json_body_alone()
    {
        var text = FlushAndRead("plain", Events((Time, Body()), (Time, Body())));
        const string line = "{\"msg\":\"say \\\"hi\\\"\",\"n\":7,\"f\":1.5,\"b\":true,\"z\":null}\n";
        Assert.Equal(line + line, text);
    }

    [Fact]
    public void Csv_format_does_not_escape_inner_quotes()
    {
        var text = FlushAndRead("csv", Events((Time, Body())));
        Assert.Equal("1795639451.784245484,\"say \"hi\"\",7,1.500000,true,nil\n", text);
    }

    [Fact]
    public void Csv_column_names_are_written_once_at_the_start_of_an_empty_file()
    {
        var events = Events((Time, Body()), (Time, Body()));
        var text = FlushAndRead("csv", events, ("csv_column_names", "on"), ("delimiter", "tab"));
        const string row = "1795639451.784245484\t\"say \"hi\"\"\t7\t1.500000\ttrue\tnil\n";
        Assert.Equal("timestamp\t\"msg\"\t\"n\"\t\"f\"\t\"b\"\t\"z\"\n" + row + row, text);
    }

    [Fact]
    public void Ltsv_format_prints_the_time_with_six_decimals_and_quoted_labels()
    {
        var text = FlushAndRead("ltsv", Events((Time, Body())));
        Assert.Equal("\"time\":1795639451.784245\t\"msg\":\"say \"hi\"\"\t\"n\":7\t\"f\":1.500000\t\"b\":true\t\"z\":nil\n", text);
    }

    [Fact]
    public void Ltsv_delimiters_accept_fluent_bit_names_and_ignore_others()
    {
        var text = FlushAndRead("ltsv", Events((Time, Pack((ref MessagePackWriter w) => { w.WriteMapHeader(2); w.Write("a"); w.Write(1); w.Write("b"); w.Write(2); }))),
            ("delimiter", "space"), ("label_delimiter", "semicolon"));
        Assert.Equal("\"time\":1795639451.784245 \"a\":1 \"b\":2\n", text);
    }

    [Fact]
    public void Csv_and_ltsv_skip_records_with_an_empty_body()
    {
        Assert.Equal("", FlushAndRead("csv", Events((Time, [0x80]))));
        Assert.Equal("", FlushAndRead("ltsv", Events((Time, [0x80]))));
    }

    [Fact]
    public void Template_fills_keys_bare_strings_and_leaves_unknown_and_unclosed_placeholders()
    {
        var text = FlushAndRead("template", Events((Time, Body())),
            ("template", "{time} [{msg}] n={n} f={f} z={z} {missing} {a{n} {open"));
        Assert.Equal("1795639451.784245 [say \"hi\"] n=7 f=1.500000 z=nil {missing} {a7 {open\n", text);
    }

    [Fact]
    public void Template_defaults_to_time_and_message()
    {
        var body = Pack((ref MessagePackWriter w) => { w.WriteMapHeader(1); w.Write("message"); w.Write("hello"); });
        Assert.Equal("1795639451.784245 hello\n", FlushAndRead("template", Events((Time, body))));
    }

    [Fact]
    public void Msgpack_format_writes_the_chunk_bytes_unchanged()
    {
        var events = Events((Time, Body()), (Time, Body()));
        var (output, _) = Create(("path", _dir), ("file", "out.mp"), ("format", "msgpack"));
        Assert.Equal(FlushResult.Ok, output.Flush(Chunk.FromBytes("dummy.0", events, 2)));
        Assert.Equal(FlushResult.Ok, output.Flush(Chunk.FromBytes("dummy.0", events, 2)));
        Assert.Equal(events.Concat(events).ToArray(), System.IO.File.ReadAllBytes(Path.Combine(_dir, "out.mp")));
    }

    [Fact]
    public void Unknown_format_fails_init_naming_it()
    {
        var ex = Assert.Throws<PluginException>(() => Create(("format", "xml")));
        Assert.Contains("'xml'", ex.Message);
    }

    [Fact]
    public void The_tag_names_the_file_when_file_is_absent_and_chunks_append()
    {
        var (output, _) = Create(("path", _dir), ("format", "plain"));
        var body = Pack((ref MessagePackWriter w) => { w.WriteMapHeader(1); w.Write("k"); w.Write("v"); });
        Assert.Equal(FlushResult.Ok, output.Flush(Chunk.FromBytes("app.log", Events((Time, body)), 1)));
        Assert.Equal(FlushResult.Ok, output.Flush(Chunk.FromBytes("app.log", Events((Time, body)), 1)));
        Assert.Equal("{\"k\":\"v\"}\n{\"k\":\"v\"}\n", System.IO.File.ReadAllText(Path.Combine(_dir, "app.log")));
    }

    [Fact]
    public void A_missing_directory_is_an_error_without_mkdir_and_created_with_it()
    {
        var nested = Path.Combine(_dir, "a", "b");
        var events = Events((Time, Body()));
        var (without, log) = Create(("path", nested), ("file", "x.log"));
        Assert.Equal(FlushResult.Error, without.Flush(Chunk.FromBytes("t", events, 1)));
        Assert.Contains(log, e => e.Level == LogLevel.Error && e.Message.Contains(Path.Combine(nested, "x.log")));

        var (with, _) = Create(("path", nested), ("file", "x.log"), ("mkdir", "on"));
        Assert.Equal(FlushResult.Ok, with.Flush(Chunk.FromBytes("t", events, 1)));
        Assert.True(System.IO.File.Exists(Path.Combine(nested, "x.log")));
    }

    [Fact]
    public void Dummy_to_file_pipeline_writes_every_record()
    {
        var definition = Pipelines.Definition(
            [Pipelines.Spec("dummy", ("dummy", "{\"message\":\"m\"}"), ("samples", "5"), ("rate", "100"), ("tag", "d"))],
            [Pipelines.Spec("file", ("match", "*"), ("path", _dir), ("format", "template"), ("template", "{message}"))],
            ("flush", "0.2"));
        var (pipeline, _) = Pipelines.Build(definition, PluginCatalog.CreateDefault());
        pipeline.Start();
        try
        {
            var file = Path.Combine(_dir, "d");
            Eventually.True(() => System.IO.File.Exists(file) && System.IO.File.ReadAllText(file) == "m\nm\nm\nm\nm\n", "five lines in the file");
        }
        finally
        {
            pipeline.Stop();
        }
    }
}

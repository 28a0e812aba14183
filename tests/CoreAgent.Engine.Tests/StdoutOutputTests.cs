using System.Text;
using CoreAgent.Engine.Logging;
using CoreAgent.Engine.Plugins;
using CoreAgent.Engine.Plugins.Inputs;
using CoreAgent.Engine.Plugins.Outputs;
using CoreAgent.Engine.Plugins.Properties;
using CoreAgent.Engine.Records;
using MessagePack;

namespace CoreAgent.Engine.Tests;

public class StdoutOutputTests
{
    // The times of REFERENCE 3.5: 1795639461 is 2026-11-25T20:44:21Z.
    private static readonly EventTime PrintTime = new(1795639451, 784245484);
    private static readonly EventTime JsonTime = new(1795639456, 784229000);
    private static readonly EventTime IsoTime = new(1795639461, 784233999);

    private const string ReferencePrinted =
        """{"msg"=>"hi", "n"=>7, "f"=>1.500000, "b"=>true, "z"=>nil, "a"=>[1, "x"], "m"=>{"k"=>"v"}}""";
    private const string ReferenceJson = "\"msg\":\"hi\",\"n\":7,\"f\":1.5,\"b\":true,\"z\":null,\"a\":[1,\"x\"],\"m\":{\"k\":\"v\"}";

    private delegate void Build(ref MessagePackWriter writer);

    private static byte[] Pack(Build build)
    {
        var buffer = new System.Buffers.ArrayBufferWriter<byte>();
        var writer = new MessagePackWriter(buffer);
        build(ref writer);
        writer.Flush();
        return buffer.WrittenSpan.ToArray();
    }

    // {"msg":"hi","n":7,"f":1.5,"b":true,"z":nil,"a":[1,"x"],"m":{"k":"v"}}
    private static byte[] ReferenceBody() => Pack((ref MessagePackWriter w) =>
    {
        w.WriteMapHeader(7);
        w.Write("msg"); w.Write("hi");
        w.Write("n"); w.Write(7);
        w.Write("f"); w.Write(1.5);
        w.Write("b"); w.Write(true);
        w.Write("z"); w.WriteNil();
        w.Write("a"); w.WriteArrayHeader(2); w.Write(1); w.Write("x");
        w.Write("m"); w.WriteMapHeader(1); w.Write("k"); w.Write("v");
    });

    private static byte[] Map(string key, Build value) => Pack((ref MessagePackWriter w) =>
    {
        w.WriteMapHeader(1);
        w.Write(key);
        value(ref w);
    });

    private static byte[] Events(params (EventTime Time, byte[] Metadata, byte[] Body)[] events)
    {
        var bytes = new List<byte>();
        foreach (var (time, metadata, body) in events)
        {
            var one = new byte[EventEncoder.SizeOf(metadata, body)];
            EventEncoder.Write(one, time, metadata, body);
            bytes.AddRange(one);
        }
        return bytes.ToArray();
    }

    private static byte[] Empty => [0x80];

    private static string Format(StdoutFormat format, byte[] events, string? dateKey = "date",
        JsonDateFormat dateFormat = JsonDateFormat.Double, string tag = "dummy.0") =>
        new StdoutFormatter(format, dateKey, dateFormat).FormatChunk(tag, events);

    [Fact]
    public void Msgpack_format_prints_the_reference_record_exactly()
    {
        var text = Format(StdoutFormat.Msgpack, Events((PrintTime, Empty, ReferenceBody())));

        Assert.Equal($"[0] dummy.0: [[1795639451.784245484, {{}}], {ReferencePrinted}]\n", text);
    }

    [Fact]
    public void Msgpack_format_counts_records_within_the_chunk_and_pads_nanoseconds_to_nine_digits()
    {
        var body = Map("n", (ref MessagePackWriter w) => w.Write(-3));
        var text = Format(StdoutFormat.Msgpack, Events(
            (new EventTime(1795639451, 5), Empty, body),
            (new EventTime(1795639452, 0), Empty, body),
            (new EventTime(1795639453, 999999999), Empty, body)), tag: "cpu.local");

        Assert.Equal(
            "[0] cpu.local: [[1795639451.000000005, {}], {\"n\"=>-3}]\n" +
            "[1] cpu.local: [[1795639452.000000000, {}], {\"n\"=>-3}]\n" +
            "[2] cpu.local: [[1795639453.999999999, {}], {\"n\"=>-3}]\n", text);
    }

    [Fact]
    public void Msgpack_format_prints_metadata_inside_the_header()
    {
        var metadata = Map("source", (ref MessagePackWriter w) => w.Write("test"));

        var text = Format(StdoutFormat.Msgpack, Events((PrintTime, metadata, ReferenceBody())));

        Assert.Equal($"[0] dummy.0: [[1795639451.784245484, {{\"source\"=>\"test\"}}], {ReferencePrinted}]\n", text);
    }

    [Fact]
    public void Msgpack_format_prints_values_as_msgpack_object_print()
    {
        var body = Pack((ref MessagePackWriter w) =>
        {
            w.WriteMapHeader(11);
            w.Write("raw"); w.Write("é \"q\" \\ tab\t");
            w.Write("bin"); w.Write(new byte[] { (byte)'a', 0, (byte)'"', 0xff, (byte)'~' });
            w.Write("ext"); w.WriteExtensionFormat(new ExtensionResult(5, new byte[] { 1, (byte)'A' }));
            w.Write("tenth"); w.Write(0.1);
            w.Write("neg"); w.Write(-2.25);
            w.Write("big"); w.Write(1e20);
            w.Write("f32"); w.Write(1.1f);
            w.Write("max"); w.Write(ulong.MaxValue);
            w.Write("min"); w.Write(long.MinValue);
            w.Write("empty"); w.WriteArrayHeader(0);
            w.Write(42); w.WriteMapHeader(0);
        });

        var text = Format(StdoutFormat.Msgpack, Events((PrintTime, Empty, body)));

        Assert.Equal(
            "[0] dummy.0: [[1795639451.784245484, {}], {" +
            "\"raw\"=>\"é \"q\" \\ tab\t\", " +
            "\"bin\"=>\"a\\x00\\\"\\xff~\", " +
            "\"ext\"=>(ext: 5)\"\\x01A\", " +
            "\"tenth\"=>0.100000, \"neg\"=>-2.250000, \"big\"=>100000000000000000000.000000, \"f32\"=>1.100000, " +
            "\"max\"=>18446744073709551615, \"min\"=>-9223372036854775808, \"empty\"=>[], 42=>{}}]\n", text);
    }

    [Fact]
    public void Json_lines_prints_one_object_per_line_with_the_double_date()
    {
        var text = Format(StdoutFormat.JsonLines, Events((JsonTime, Empty, ReferenceBody()), (JsonTime, Empty, ReferenceBody())));

        var line = $"{{\"date\":1795639456.784229,{ReferenceJson}}}\n";
        Assert.Equal(line + line, text);
    }

    [Fact]
    public void Json_prints_one_array_per_chunk_and_a_newline()
    {
        var text = Format(StdoutFormat.Json, Events((JsonTime, Empty, ReferenceBody()), (JsonTime, Empty, ReferenceBody())));

        var record = $"{{\"date\":1795639456.784229,{ReferenceJson}}}";
        Assert.Equal($"[{record},{record}]\n", text);
    }

    [Fact]
    public void Json_stream_concatenates_objects_and_ends_the_chunk_with_a_newline()
    {
        var text = Format(StdoutFormat.JsonStream, Events((JsonTime, Empty, ReferenceBody()), (JsonTime, Empty, ReferenceBody())));

        var record = $"{{\"date\":1795639456.784229,{ReferenceJson}}}";
        Assert.Equal($"{record}{record}\n", text);
    }

    [Fact]
    public void Json_with_iso8601_matches_the_reference()
    {
        var body = Pack((ref MessagePackWriter w) =>
        {
            w.WriteMapHeader(2);
            w.Write("msg"); w.Write("hi");
            w.Write("n"); w.Write(7);
        });

        var text = Format(StdoutFormat.Json, Events((IsoTime, Empty, body)), dateFormat: JsonDateFormat.Iso8601);

        Assert.Equal("[{\"date\":\"2026-11-25T20:44:21.784233Z\",\"msg\":\"hi\",\"n\":7}]\n", text);
    }

    [Theory]
    [InlineData(JsonDateFormat.Double, "1795639461.784234")]
    [InlineData(JsonDateFormat.Epoch, "1795639461")]
    [InlineData(JsonDateFormat.EpochMs, "1795639461784")]
    [InlineData(JsonDateFormat.Iso8601, "\"2026-11-25T20:44:21.784233Z\"")]
    [InlineData(JsonDateFormat.JavaSqlTimestamp, "\"2026-11-25 20:44:21.784233\"")]
    public void Json_date_formats_match_fluent_bit(JsonDateFormat dateFormat, string expected)
    {
        var text = Format(StdoutFormat.JsonLines, Events((IsoTime, Empty, ReferenceBody())), dateFormat: dateFormat);

        Assert.Equal($"{{\"date\":{expected},{ReferenceJson}}}\n", text);
    }

    [Fact]
    public void Json_double_date_with_whole_seconds_keeps_one_decimal()
    {
        var text = Format(StdoutFormat.JsonLines, Events((new EventTime(1795639456, 0), Empty, Map("a", (ref MessagePackWriter w) => w.Write(1)))));

        Assert.Equal("{\"date\":1795639456.0,\"a\":1}\n", text);
    }

    [Fact]
    public void Json_date_key_can_be_renamed_or_disabled()
    {
        var events = Events((JsonTime, Empty, Map("a", (ref MessagePackWriter w) => w.Write(1))));

        Assert.Equal("{\"@timestamp\":1795639456,\"a\":1}\n",
            Format(StdoutFormat.JsonLines, events, "@timestamp", JsonDateFormat.Epoch));
        Assert.Equal("{\"a\":1}\n", Format(StdoutFormat.JsonLines, events, dateKey: null));
        Assert.Null(StdoutFormatter.ParseDateKey("false"));
        Assert.Null(StdoutFormatter.ParseDateKey("Off"));
        Assert.Null(StdoutFormatter.ParseDateKey("no"));
        Assert.Equal("time", StdoutFormatter.ParseDateKey("time"));
    }

    [Fact]
    public void Json_escapes_strings_like_fluent_bit_with_escape_unicode_on()
    {
        var body = Map("s\"k", (ref MessagePackWriter w) => w.Write("q\" b\\ n\n r\r t\t \b \f \u0001 \u007f / é € 😀"));

        var text = Format(StdoutFormat.JsonLines, Events((JsonTime, Empty, body)), dateKey: null);

        Assert.Equal(
            "{\"s\\\"k\":\"q\\\" b\\\\ n\\n r\\r t\\t \\b \\f \\u0001 \\u007f / \\u00e9 \\u20ac \\ud83d\\ude00\"}\n", text);
    }

    [Fact]
    public void Json_maps_invalid_utf8_to_private_use_characters_and_drops_a_cut_sequence()
    {
        // 0xC3 followed by 'A' is invalid; 0xE2 0x82 at the end is a cut three-byte sequence.
        var body = Pack((ref MessagePackWriter w) =>
        {
            w.WriteMapHeader(1);
            w.Write("s");
            w.WriteString(new byte[] { 0xc3, (byte)'A', 0xe2, 0x82 });
        });

        var text = Format(StdoutFormat.JsonLines, Events((JsonTime, Empty, body)), dateKey: null);

        Assert.Equal("{\"s\":\"\ue0c3A\ue082\"}\n", text);
    }

    [Fact]
    public void Json_prints_numbers_like_msgpack2json()
    {
        var body = Pack((ref MessagePackWriter w) =>
        {
            w.WriteMapHeader(9);
            w.Write("one"); w.Write(1.0);
            w.Write("tenth"); w.Write(0.1);
            w.Write("third"); w.Write(1.0 / 3);
            w.Write("big"); w.Write(1e20);
            w.Write("small"); w.Write(1.5e-7);
            w.Write("negzero"); w.Write(-0.0);
            w.Write("f32"); w.Write(1.1f);
            w.Write("max"); w.Write(ulong.MaxValue);
            w.Write("min"); w.Write(long.MinValue);
        });

        var text = Format(StdoutFormat.JsonLines, Events((JsonTime, Empty, body)), dateKey: null);

        Assert.Equal(
            "{\"one\":1.0,\"tenth\":0.1,\"third\":0.3333333333333333,\"big\":1e+20,\"small\":1.5e-07," +
            "\"negzero\":-0.0,\"f32\":1.100000023841858,\"max\":18446744073709551615,\"min\":-9223372036854775808}\n", text);
    }

    [Fact]
    public void Json_prints_binary_as_a_string_and_ext_as_hex_bytes()
    {
        var body = Pack((ref MessagePackWriter w) =>
        {
            w.WriteMapHeader(2);
            w.Write("bin"); w.Write(new byte[] { (byte)'h', (byte)'i', 0x0a });
            w.Write("ext"); w.WriteExtensionFormat(new ExtensionResult(1, new byte[] { 0x01, 0x80 }));
        });

        var text = Format(StdoutFormat.JsonLines, Events((JsonTime, Empty, body)), dateKey: null);

        Assert.Equal("{\"bin\":\"hi\\n\",\"ext\":\"\\x01\\xffffff80\"}\n", text);
    }

    [Fact]
    public void Json_keeps_the_last_of_repeated_keys_and_a_body_date_replaces_the_date_key()
    {
        var body = Pack((ref MessagePackWriter w) =>
        {
            w.WriteMapHeader(4);
            w.Write("a"); w.Write(1);
            w.Write("date"); w.Write("mine");
            w.Write("b"); w.Write(2);
            w.Write("a"); w.Write(3);
        });

        var text = Format(StdoutFormat.JsonLines, Events((JsonTime, Empty, body)));

        Assert.Equal("{\"date\":\"mine\",\"b\":2,\"a\":3}\n", text);
    }

    [Fact]
    public void Json_puts_non_empty_metadata_under_internal_log_metadata()
    {
        var metadata = Map("source", (ref MessagePackWriter w) => w.Write("test"));
        var body = Map("a", (ref MessagePackWriter w) => w.Write(1));

        var text = Format(StdoutFormat.JsonLines, Events((JsonTime, metadata, body)), dateFormat: JsonDateFormat.Epoch);

        Assert.Equal("{\"date\":1795639456,\"__internal__\":{\"log_metadata\":{\"source\":\"test\"}},\"a\":1}\n", text);
    }

    [Fact]
    public void Legacy_events_without_metadata_print_an_empty_metadata_map()
    {
        var legacy = Pack((ref MessagePackWriter w) =>
        {
            w.WriteArrayHeader(2);
            w.Write(1795639451u);
            w.WriteMapHeader(1);
            w.Write("a"); w.Write(1);
        });

        Assert.Equal("[0] dummy.0: [[1795639451.000000000, {}], {\"a\"=>1}]\n", Format(StdoutFormat.Msgpack, legacy));
        Assert.Equal("{\"date\":1795639451.0,\"a\":1}\n", Format(StdoutFormat.JsonLines, legacy));
    }

    [Fact]
    public void Format_and_date_format_names_parse_case_insensitively_with_fluent_bit_aliases()
    {
        Assert.True(StdoutFormatter.TryParseFormat("JSON_Lines", out var format));
        Assert.Equal(StdoutFormat.JsonLines, format);
        Assert.True(StdoutFormatter.TryParseFormat("json_stream", out format));
        Assert.Equal(StdoutFormat.JsonStream, format);
        Assert.False(StdoutFormatter.TryParseFormat("yaml", out _));
        Assert.True(StdoutFormatter.TryParseDateFormat("epoch_millis", out var date));
        Assert.Equal(JsonDateFormat.EpochMs, date);
        Assert.True(StdoutFormatter.TryParseDateFormat("ISO8601", out date));
        Assert.Equal(JsonDateFormat.Iso8601, date);
        Assert.False(StdoutFormatter.TryParseDateFormat("rfc3339", out _));
    }

    private static (StdoutOutput Output, StringWriter Writer, List<LogEntry> Log) CreateOutput(params (string Key, string Value)[] properties)
    {
        var writer = new StringWriter();
        var output = new StdoutOutput(writer);
        var log = new AgentLog();
        var entries = new List<LogEntry>();
        log.Written += entry => { lock (entries) entries.Add(entry); };
        var props = PluginProperties.From(properties.Select(p => new KeyValuePair<string, string>(p.Key, p.Value)));
        output.Init(new OutputContext("stdout.0", props, log, Guid.NewGuid()));
        return (output, writer, entries);
    }

    [Fact]
    public void Output_reads_its_properties_and_writes_each_chunk_to_the_writer()
    {
        var (output, writer, _) = CreateOutput(("format", "json_lines"), ("json_date_format", "iso8601"), ("json_date_key", "ts"));
        var chunk = Chunk.FromBytes("dummy.0", Events((IsoTime, Empty, ReferenceBody())), 1);

        Assert.Equal(FlushResult.Ok, output.Flush(chunk));
        Assert.Equal($"{{\"ts\":\"2026-11-25T20:44:21.784233Z\",{ReferenceJson}}}\n", writer.ToString());
    }

    [Fact]
    public void Output_defaults_to_the_msgpack_format()
    {
        var (output, writer, _) = CreateOutput();
        var chunk = Chunk.FromBytes("dummy.0", Events((PrintTime, Empty, ReferenceBody())), 1);

        Assert.Equal(FlushResult.Ok, output.Flush(chunk));
        Assert.Equal($"[0] dummy.0: [[1795639451.784245484, {{}}], {ReferencePrinted}]\n", writer.ToString());
    }

    [Fact]
    public void Output_logs_unknown_format_values_and_falls_back_like_fluent_bit()
    {
        var (output, _, log) = CreateOutput(("format", "yaml"), ("json_date_format", "rfc3339"));

        Assert.Equal(StdoutFormat.Msgpack, output.Formatter.Format);
        Assert.Equal(JsonDateFormat.Double, output.Formatter.DateFormat);
        Assert.Equal(2, log.Count(e => e.Level == LogLevel.Error));
    }

    [Fact]
    public void Output_prints_the_records_before_a_broken_event_and_reports_an_error()
    {
        var (output, writer, log) = CreateOutput();
        var good = Events((PrintTime, Empty, Map("a", (ref MessagePackWriter w) => w.Write(1))));
        byte[] broken = [.. good, 0x92, 0x01];

        Assert.Equal(FlushResult.Error, output.Flush(Chunk.FromBytes("t", broken, 2)));
        Assert.Equal("[0] t: [[1795639451.784245484, {}], {\"a\"=>1}]\n", writer.ToString());
        Assert.Single(log, e => e.Level == LogLevel.Error);
    }

    [Fact]
    public void Concurrent_flushes_write_whole_chunks_without_interleaving()
    {
        var writer = new SlowWriter();
        var output = new StdoutOutput(writer);
        output.Init(new OutputContext("stdout.0", PluginProperties.From([new("format", "json_lines")]), AgentLog.Null, Guid.NewGuid()));
        var events = Events(Enumerable.Range(0, 50).Select(_ => (JsonTime, Empty, ReferenceBody())).ToArray());

        Parallel.For(0, 16, new ParallelOptions { MaxDegreeOfParallelism = 8 },
            _ => Assert.Equal(FlushResult.Ok, output.Flush(Chunk.FromBytes("t", events, 50))));

        var chunkText = string.Concat(Enumerable.Repeat($"{{\"date\":1795639456.784229,{ReferenceJson}}}\n", 50));
        Assert.Equal(16, writer.Writes.Count);
        Assert.All(writer.Writes, w => Assert.Equal(chunkText, w));
    }

    [Fact]
    public void Stdout_and_cpu_are_built_in_plugins()
    {
        var catalog = PluginCatalog.CreateDefault();

        Assert.Same(StdoutOutput.Descriptor, catalog.Find("stdout", PluginType.Output));
        Assert.Same(CpuInput.Descriptor, catalog.Find("cpu", PluginType.Input));
    }

    /// <summary>Records each Write call separately and yields inside it, so overlapping writers would show.</summary>
    private sealed class SlowWriter : TextWriter
    {
        private int _inside;
        public List<string> Writes { get; } = [];
        public override Encoding Encoding => Encoding.UTF8;

        public override void Write(char[] buffer, int index, int count)
        {
            if (Interlocked.Increment(ref _inside) != 1) throw new InvalidOperationException("writes overlap");
            Thread.Sleep(1);
            lock (Writes) Writes.Add(new string(buffer, index, count));
            Interlocked.Decrement(ref _inside);
        }

        public override void Write(char value) => throw new InvalidOperationException("chunks must be written in one call");
    }
}

using System.Text.Json;
using CoreAgent.Engine.Logging;
using CoreAgent.Engine.Pipeline;
using CoreAgent.Engine.Plugins;
using CoreAgent.Engine.Plugins.Inputs.Tail;
using CoreAgent.Engine.Records;
using CoreAgent.Engine.Tests.Support;
using MessagePack;

namespace CoreAgent.Engine.Tests.Tail;

/// <summary>A temporary directory of log files and a pipeline tail -> capture over it, restartable on the same DB.</summary>
public sealed class TailHarness : IDisposable
{
    private readonly List<CaptureOutput> _captures = [];
    private readonly List<LogEntry> _log = [];

    public TailHarness()
    {
        Directory = System.IO.Path.Combine(System.IO.Path.GetTempPath(), "coreagent-tail-" + Guid.NewGuid().ToString("N")[..8]);
        System.IO.Directory.CreateDirectory(Directory);
    }

    public string Directory { get; }
    public AgentPipeline? Pipeline { get; private set; }

    public string PathOf(string name) => System.IO.Path.Combine(Directory, name);

    /// <summary>Starts tail with the properties (Path relative names are made absolute by the caller) into a new capture.</summary>
    public void Start(params (string Key, string Value)[] properties)
    {
        var capture = new CaptureOutput();
        _captures.Add(capture);
        var catalog = PluginCatalog.CreateDefault();
        catalog.Add(CaptureOutput.Descriptor("capture", capture));
        var definition = Pipelines.Definition([Pipelines.Spec("tail", properties)], [Pipelines.Spec("capture", ("match", "*"))], ("flush", "0.2"), ("grace", "10"));
        var log = new AgentLog { Level = LogLevel.Debug };
        log.Written += e => { lock (_log) _log.Add(e); };
        Pipeline = AgentPipeline.Build(definition, catalog, log);
        Pipeline.Start();
    }

    public void Stop()
    {
        Pipeline?.Stop();
        Pipeline = null;
    }

    public TailInput Input => (TailInput)Pipeline!.Inputs[0].Instance;

    /// <summary>Every record received over every run, in order: tag and body as JSON.</summary>
    public List<(string Tag, EventTime Time, JsonElement Body)> Records =>
        [.. _captures.SelectMany(c => c.Chunks.ToArray()).SelectMany(c => EventReader.ReadAll(c.Bytes)
            .Select(e => (c.Tag, e.Time, JsonDocument.Parse(MessagePackSerializer.ConvertToJson(e.Body)).RootElement)))];

    public List<string> Lines(string key = "log") => [.. Records.Select(r => r.Body.GetProperty(key).GetString()!)];

    public int Count => _captures.Sum(c => c.RecordCount);

    public void WaitForCount(int count, TimeSpan? timeout = null) =>
        Eventually.True(() => Count >= count, $"{count} records (have {Count}); log:\n{LogText()}", timeout);

    public void WaitForLog(string text, TimeSpan? timeout = null) =>
        Eventually.True(() => Logged(text), $"log line '{text}'; log:\n{LogText()}", timeout);

    public bool Logged(string text)
    {
        lock (_log) return _log.Any(e => e.Message.Contains(text, StringComparison.Ordinal));
    }

    public string LogText()
    {
        lock (_log) return string.Join("\n", _log.TakeLast(60).Select(e => e.ToString()));
    }

    /// <summary>Appends numbered lines "prefix-n" from first to last, each with a newline.</summary>
    public static void AppendLines(string path, string prefix, int first, int last)
    {
        using var writer = new StreamWriter(path, append: true);
        for (int i = first; i <= last; i++) writer.Write($"{prefix}-{i}\n");
    }

    public static List<string> Numbered(string prefix, int first, int last) => [.. Enumerable.Range(first, last - first + 1).Select(i => $"{prefix}-{i}")];

    public void Dispose()
    {
        try { Stop(); }
        finally
        {
            try { System.IO.Directory.Delete(Directory, recursive: true); } catch (IOException) { }
        }
    }
}

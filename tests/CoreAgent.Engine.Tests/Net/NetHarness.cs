using System.Diagnostics;
using System.Net;
using CoreAgent.Engine.Logging;
using CoreAgent.Engine.Pipeline;
using CoreAgent.Engine.Plugins;
using CoreAgent.Engine.Records;
using CoreAgent.Engine.Tests.Support;
using MessagePack;

namespace CoreAgent.Engine.Tests.Net;

/// <summary>A running pipeline of one network input (Port 0 unless given) into a capture output.</summary>
public sealed class NetHarness : IDisposable
{
    public NetHarness(string plugin, params (string Key, string Value)[] properties) : this(null, plugin, properties) { }

    /// <summary>With <paramref name="configure"/> to change the definition first (parsers, service keys).</summary>
    public NetHarness(Action<PipelineDefinition>? configure, string plugin, params (string Key, string Value)[] properties)
    {
        Capture = new CaptureOutput();
        var catalog = PluginCatalog.CreateDefault();
        catalog.Add(CaptureOutput.Descriptor("capture", Capture));
        var props = properties.Any(p => p.Key is "port" or "unix_path" or "path") ? properties : [.. properties, ("port", "0")];
        var definition = Pipelines.Definition([Pipelines.Spec(plugin, props)], [Pipelines.Spec("capture", ("match", "*"))], ("flush", "0.2"));
        configure?.Invoke(definition);
        (Pipeline, Log) = Pipelines.Build(definition, catalog);
        Pipeline.Start();
    }

    public AgentPipeline Pipeline { get; }
    public CaptureOutput Capture { get; }
    public List<LogEntry> Log { get; }

    public T Input<T>() => (T)Pipeline.Inputs[0].Instance;

    public List<(string Tag, EventSlice Event)> Events =>
        [.. Capture.Chunks.ToArray().SelectMany(c => EventReader.ReadAll(c.Bytes).Select(e => (c.Tag, e)))];

    public void WaitForRecords(int count, TimeSpan? timeout = null) =>
        Eventually.True(() => Capture.RecordCount >= count, $"{count} records (have {Capture.RecordCount})", timeout);

    public bool Logged(string text)
    {
        lock (Log) return Log.Any(e => e.Message.Contains(text, StringComparison.Ordinal));
    }

    public string LogText()
    {
        lock (Log) return string.Join("\n", Log.Select(e => e.ToString()));
    }

    public static string Json(EventSlice e) => MessagePackSerializer.ConvertToJson(e.Body);

    public void Dispose() => Pipeline.Stop();

    /// <summary>Runs a program to its end; returns its exit code and output.</summary>
    public static (int Code, string Output) Run(string file, params string[] args)
    {
        var start = new ProcessStartInfo(file, args) { RedirectStandardOutput = true, RedirectStandardError = true };
        using var process = Process.Start(start)!;
        var stderr = process.StandardError.ReadToEndAsync();
        string stdout = process.StandardOutput.ReadToEnd();
        if (!process.WaitForExit(120_000)) { process.Kill(); throw new TimeoutException($"{file} did not finish"); }
        return (process.ExitCode, stdout + stderr.Result);
    }

    public static int PortOf(EndPoint? endPoint) => ((IPEndPoint)endPoint!).Port;
}

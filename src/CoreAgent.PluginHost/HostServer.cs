using System.Collections.Concurrent;
using System.Net.Sockets;
using CoreAgent.Engine.GoPlugins;
using CoreAgent.Engine.GoPlugins.Isolation;
using CoreAgent.Engine.Logging;
using CoreAgent.Engine.Plugins;
using CoreAgent.Engine.Plugins.Properties;
using CoreAgent.Engine.Records;

namespace CoreAgent.PluginHost;

/// <summary>
/// Serves the engine's requests on one connection: loads one library with the engine's own loader
/// (with the signal repair), runs its instances with the in-process <see cref="GoOutputPlugin"/>
/// (which answers FLBPluginConfigKey from the settings sent at Init and applies the event shape),
/// and forwards every log line. Flushes run concurrently on the thread pool, as workers do
/// in-process; the chunk bytes are read straight into a pooled chunk buffer.
/// </summary>
internal sealed class HostServer(Socket socket)
{
    private readonly NetworkStream _stream = new(socket, ownsSocket: true);
    private readonly object _sendGate = new();
    private readonly FrameWriter _writer = new();
    private readonly ConcurrentDictionary<int, GoOutputPlugin> _instances = new();
    private readonly ConcurrentDictionary<int, GoInputInstance> _inputs = new();
    private readonly Guid _run = Guid.NewGuid();
    private readonly AgentLog _pluginLog = new();
    private GoPluginLibrary? _library;

    public void Run()
    {
        _pluginLog.Written += entry => SendLog(0, entry);
        GoPluginLibrary.PluginLog = _pluginLog;
        Span<byte> header = stackalloc byte[5];
        try
        {
            while (HostStream.ReadHeader(_stream, header, out int length, out var type))
            {
                if (type == HostMessage.Flush)
                {
                    ReceiveFlush(length);
                    continue;
                }
                var payload = new byte[length];
                _stream.ReadExactly(payload);
                switch (type)
                {
                    case HostMessage.Load: Load(payload); break;
                    case HostMessage.Init: Queue(() => Init(payload)); break;
                    case HostMessage.PreExit: Queue(() => PreExit(payload)); break;
                    case HostMessage.Exit: Queue(() => Exit(payload)); break;
                    case HostMessage.Metrics: Queue(() => Metrics(payload)); break;
                    case HostMessage.Collect: Queue(() => Collect(payload)); break;
                    case HostMessage.Shutdown: Shutdown(); return;
                }
            }
        }
        catch (Exception ex) when (ex is IOException or SocketException or InvalidDataException or EndOfStreamException)
        {
            // The engine is gone: nothing to answer to.
        }
    }

    private static void Queue(Action work) => ThreadPool.UnsafeQueueUserWorkItem(_ => work(), null);

    private void Load(byte[] payload)
    {
        var reader = new FrameReader(payload);
        long id = reader.Int64();
        string path = reader.String();
        try
        {
            var library = GoPluginLibrary.Load(path, _pluginLog);
            _library = library;
            Send(w => w.Begin(HostMessage.Loaded).Int64(id).String(library.Name).String(library.Description)
                .Int32(library.IsInput ? 1 : 2).Int32(library.EventType));
        }
        catch (GoPluginLoadException ex)
        {
            Send(w => w.Begin(HostMessage.LoadFailed).Int64(id).Int32((int)ex.Error).String(ex.Message));
        }
    }

    private void Init(byte[] payload)
    {
        var reader = new FrameReader(payload);
        long id = reader.Int64();
        int instance = reader.Int32();
        bool isInput = reader.Int32() == ProxyConstants.InputPlugin;
        string name = reader.String();
        var level = (LogLevel)reader.Int32();
        int count = reader.Int32();
        var properties = new PluginProperties();
        for (int i = 0; i < count; i++) properties.Add(reader.String(), reader.String());

        if (_library is null)
        {
            Send(w => w.Begin(HostMessage.InitDone).Int64(id).Int32(0).String("no library is loaded").Strings(Array.Empty<string>()));
            return;
        }
        _pluginLog.Level = level;
        var log = new AgentLog { Level = level };
        log.Written += entry => SendLog(instance, entry);
        if (isInput)
        {
            InitInput(id, instance, name, properties, log);
            return;
        }
        var plugin = new GoOutputPlugin(_library);
        try
        {
            plugin.Init(new OutputContext(name, properties, log, _run));
            _instances[instance] = plugin;
            Send(w => w.Begin(HostMessage.InitDone).Int64(id).Int32(1).String("").Strings(plugin.RequestedKeys));
        }
        catch (Exception ex) when (ex is PluginException or PropertyException)
        {
            Send(w => w.Begin(HostMessage.InitDone).Int64(id).Int32(0).String(ex.Message).Strings(plugin.RequestedKeys));
        }
    }

    private void InitInput(long id, int instance, string name, PluginProperties properties, AgentLog log)
    {
        var input = new GoInputInstance(_library!);
        try
        {
            input.Init(name, properties, log);
            _inputs[instance] = input;
            Send(w => w.Begin(HostMessage.InitDone).Int64(id).Int32(1).String("").Strings(input.RequestedKeys));
        }
        catch (Exception ex) when (ex is PluginException or PropertyException)
        {
            Send(w => w.Begin(HostMessage.InitDone).Int64(id).Int32(0).String(ex.Message).Strings(input.RequestedKeys));
        }
    }

    /// <summary>One collect callback; the plugin's bytes go back as they are.</summary>
    private void Collect(byte[] payload)
    {
        var reader = new FrameReader(payload);
        long id = reader.Int64();
        int instance = reader.Int32();
        long result = 0;
        byte[] events = [];
        string message = "";
        if (!_inputs.TryGetValue(instance, out var input)) message = $"instance {instance} is not initialised in the plugin host";
        else
        {
            try { result = input.Collect(data => events = data.ToArray()); }
            catch (Exception ex) { message = ex.Message; }
        }
        Send(w => w.Begin(HostMessage.CollectDone).Int64(id).Int64(result).String(message).Bytes(events));
    }

    private void ReceiveFlush(int length)
    {
        Span<byte> fixedPart = stackalloc byte[16];
        _stream.ReadExactly(fixedPart[..16]);
        var head = new FrameReader(fixedPart);
        long id = head.Int64();
        int instance = head.Int32();
        int tagLength = head.Int32();
        if (tagLength < 0 || tagLength > length) throw new InvalidDataException("bad tag length in a flush frame");
        var tagBytes = new byte[tagLength];
        _stream.ReadExactly(tagBytes);
        Span<byte> sizePart = stackalloc byte[4];
        _stream.ReadExactly(sizePart);
        int size = new FrameReader(sizePart).Int32();
        if (size < 0 || size > length) throw new InvalidDataException("bad data length in a flush frame");
        var chunk = new Chunk(System.Text.Encoding.UTF8.GetString(tagBytes), Math.Max(size, 1));
        _stream.ReadExactly(chunk.FreeSpace[..size]);
        chunk.Commit(size, 0);
        Queue(() => Flush(id, instance, chunk));
    }

    private void Flush(long id, int instance, Chunk chunk)
    {
        int result;
        string message = "";
        try
        {
            result = _instances.TryGetValue(instance, out var plugin) ? (int)plugin.Flush(chunk) : 0;
            if (plugin is null) message = $"instance {instance} is not initialised in the plugin host";
        }
        catch (Exception ex)
        {
            result = 0;
            message = ex.Message;
        }
        finally
        {
            chunk.SetReferences(0, null); // back to the pool
        }
        Send(w => w.Begin(HostMessage.FlushDone).Int64(id).Int32(result).String(message));
    }

    private void PreExit(byte[] payload)
    {
        long id = new FrameReader(payload).Int64();
        if (_library is { IsInput: false }) _library.PreExit(); // an input's pre-exit is part of its exit
        Send(w => w.Begin(HostMessage.Done).Int64(id));
    }

    private void Exit(byte[] payload)
    {
        var reader = new FrameReader(payload);
        long id = reader.Int64();
        int instance = reader.Int32();
        IReadOnlyCollection<string> keys = [];
        if (_inputs.TryRemove(instance, out var input))
        {
            keys = input.RequestedKeys;
            input.Exit();
        }
        else if (_instances.TryRemove(instance, out var plugin))
        {
            keys = plugin.RequestedKeys;
            plugin.Exit();
        }
        Send(w => w.Begin(HostMessage.ExitDone).Int64(id).Strings(keys));
    }

    private void Metrics(byte[] payload)
    {
        var reader = new FrameReader(payload);
        long id = reader.Int64();
        int instance = reader.Int32();
        string text = _instances.TryGetValue(instance, out var plugin) ? plugin.ReadPrometheusText() ?? ""
            : _inputs.TryGetValue(instance, out var input) ? input.ReadPrometheusText() ?? "" : "";
        Send(w => w.Begin(HostMessage.MetricsDone).Int64(id).String(text));
    }

    private void Shutdown()
    {
        try { _library?.Release(); }
        catch (Exception) { /* exiting */ }
    }

    private void SendLog(int instance, LogEntry entry) =>
        Send(w => w.Begin(HostMessage.Log).Int32(instance).Int32((int)entry.Level).String(entry.Source).String(entry.Message).String(entry.Event ?? ""));

    private void Send(Func<FrameWriter, FrameWriter> build)
    {
        try
        {
            lock (_sendGate)
            {
                var frame = build(_writer).Finish();
                _stream.Write(frame);
            }
        }
        catch (Exception ex) when (ex is IOException or SocketException or ObjectDisposedException)
        {
            Program.Exit(0); // the engine is gone
        }
    }
}

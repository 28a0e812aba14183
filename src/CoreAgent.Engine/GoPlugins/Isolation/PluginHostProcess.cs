using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net.Sockets;
using CoreAgent.Engine.Logging;
using CoreAgent.Engine.Records;

namespace CoreAgent.Engine.GoPlugins.Isolation;

/// <summary>
/// One running plugin host: the child process, its Unix socket connection and its stderr. Calls
/// are correlated by request id, so several flushes can wait at once. When the process dies (or
/// the connection breaks), every waiting call fails with <see cref="PluginHostLostException"/>
/// and <see cref="Lost"/> completes; the stderr tail then holds what the process printed last
/// (a Go panic's text).
/// </summary>
internal sealed class PluginHostProcess : IDisposable
{
    private static readonly ConcurrentDictionary<int, PluginHostProcess> Live = new();
    private readonly Process _process;
    private readonly Socket _socket;
    private readonly NetworkStream _stream;
    private readonly object _sendGate = new();
    private readonly FrameWriter _writer = new();
    private readonly ConcurrentDictionary<long, PendingCall> _calls = new();
    private readonly StderrTee _stderr;
    private readonly TaskCompletionSource<string> _lost = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private long _nextId;
    private int _disposed;

    static PluginHostProcess()
    {
        // Whatever else happens at exit, no host outlives this process.
        AppDomain.CurrentDomain.ProcessExit += (_, _) => KillAll();
    }

    private PluginHostProcess(Process process, Socket socket, StderrTee stderr)
    {
        _process = process;
        _socket = socket;
        _stream = new NetworkStream(socket, ownsSocket: false);
        _stderr = stderr;
        ProcessId = process.Id;
        Live[ProcessId] = this;
        new Thread(ReadLoop) { IsBackground = true, Name = $"CoreAgent plugin host {ProcessId} reader" }.Start();
    }

    public int ProcessId { get; }

    /// <summary>Log frames from the host: instance id (0 for log_print), level, source, message, event or null.</summary>
    public Action<int, LogLevel, string, string, string?>? LogReceived { get; set; }

    /// <summary>Completes with a reason once the host is gone or unreachable.</summary>
    public Task<string> Lost => _lost.Task;

    public bool IsLost => _lost.Task.IsCompleted;

    /// <summary>Process ids of the hosts that are running in this process's name (tests check none is left).</summary>
    public static IReadOnlyList<int> LiveProcessIds => [.. Live.Keys];

    /// <summary>Starts a host and waits until it has connected back.</summary>
    public static PluginHostProcess Start(TimeSpan connectTimeout)
    {
        var directory = Directory.CreateTempSubdirectory("coreagent-host-"); // mode 0700: only this user can connect
        string socketPath = Path.Combine(directory.FullName, "s");
        using var listener = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        Process? process = null;
        StderrTee? stderr = null;
        try
        {
            listener.Bind(new UnixDomainSocketEndPoint(socketPath));
            listener.Listen(1);
            process = Process.Start(HostLauncher.Create(socketPath)) ?? throw new PluginHostException("the plugin host did not start");
            process.StandardInput.AutoFlush = true;
            stderr = new StderrTee(process.StandardError.BaseStream, process.Id);
            var accept = listener.AcceptAsync();
            var exited = process.WaitForExitAsync();
            int which = Task.WaitAny([accept, exited], connectTimeout);
            if (which != 0)
            {
                string why = which == 1 ? $"exited with code {process.ExitCode} before it connected" : $"did not connect within {connectTimeout.TotalSeconds:0} s";
                stderr.WaitForEnd(TimeSpan.FromSeconds(2));
                string tail = stderr.Tail();
                throw new PluginHostException($"the plugin host {why}" + (tail.Length > 0 ? ": " + HostCrash.Summarize(tail) : ""));
            }
            var host = new PluginHostProcess(process, accept.Result, stderr);
            process = null; // owned by the host now
            return host;
        }
        catch (SocketException ex)
        {
            throw new PluginHostException($"the plugin host socket {socketPath} failed: {ex.Message}", ex);
        }
        finally
        {
            if (process is not null) { TryKill(process); process.Dispose(); }
            try { directory.Delete(recursive: true); } catch (IOException) { } // the connection lives on without the path
        }
    }

    /// <summary>Sends a request and waits for its reply (or the host's loss, or the timeout: then the host is killed).</summary>
    public (HostMessage Type, byte[] Payload) Request(HostMessage type, Action<FrameWriter>? body, TimeSpan timeout)
    {
        var (id, call) = NewCall();
        try
        {
            lock (_sendGate)
            {
                _writer.Begin(type).Int64(id);
                body?.Invoke(_writer);
                SendLocked([_writer.Finish()]);
            }
        }
        catch (Exception ex) when (ex is SocketException or ObjectDisposedException or IOException)
        {
            _calls.TryRemove(id, out _);
            MarkLost($"the connection broke: {ex.Message}");
            throw new PluginHostLostException(LostReasonOrDefault);
        }
        if (!call.Done.Wait(timeout))
        {
            _calls.TryRemove(id, out _);
            Kill($"it did not answer {type} within {timeout.TotalSeconds:0.#} s");
            throw new PluginHostLostException(LostReasonOrDefault);
        }
        if (call.Payload is null) throw new PluginHostLostException(LostReasonOrDefault);
        return (call.Type, call.Payload);
    }

    /// <summary>
    /// Sends a request and waits for its reply with no timeout (a collect callback may block), until
    /// <paramref name="cancellation"/>; then it waits <paramref name="afterCancel"/> more and ends the host.
    /// </summary>
    public byte[] Call(HostMessage type, Action<FrameWriter>? body, CancellationToken cancellation, TimeSpan afterCancel)
    {
        var (id, call) = NewCall();
        try
        {
            lock (_sendGate)
            {
                _writer.Begin(type).Int64(id);
                body?.Invoke(_writer);
                SendLocked([_writer.Finish()]);
            }
        }
        catch (Exception ex) when (ex is SocketException or ObjectDisposedException or IOException)
        {
            _calls.TryRemove(id, out _);
            MarkLost($"the connection broke: {ex.Message}");
            throw new PluginHostLostException(LostReasonOrDefault);
        }
        try
        {
            call.Done.Wait(cancellation);
        }
        catch (OperationCanceledException)
        {
            if (!call.Done.Wait(afterCancel))
            {
                _calls.TryRemove(id, out _);
                Kill($"{type} had not returned {afterCancel.TotalSeconds:0.#} s after the stop began");
            }
        }
        if (call.Payload is null) throw new PluginHostLostException(LostReasonOrDefault);
        return call.Payload;
    }

    /// <summary>Sends one chunk's bytes as they are and waits for FLB_OK/ERROR/RETRY; no timeout (a stop ends a hung flush by killing the host).</summary>
    public (int Result, string Message) Flush(int instance, Chunk chunk)
    {
        var (id, call) = NewCall();
        try
        {
            lock (_sendGate)
            {
                var header = _writer.Begin(HostMessage.Flush).Int64(id).Int32(instance).String(chunk.Tag).Int32(chunk.Length).Finish(chunk.Length);
                SendLocked([header, new ArraySegment<byte>(chunk.Buffer, 0, chunk.Length)]);
            }
        }
        catch (Exception ex) when (ex is SocketException or ObjectDisposedException or IOException)
        {
            _calls.TryRemove(id, out _);
            MarkLost($"the connection broke: {ex.Message}");
            throw new PluginHostLostException(LostReasonOrDefault);
        }
        call.Done.Wait();
        if (call.Payload is null) throw new PluginHostLostException(LostReasonOrDefault);
        var reader = new FrameReader(call.Payload);
        reader.Int64();
        int result = reader.Int32();
        return (result, reader.String());
    }

    /// <summary>Asks the host to exit; it needs no reply.</summary>
    public void Shutdown()
    {
        try
        {
            lock (_sendGate) SendLocked([_writer.Begin(HostMessage.Shutdown).Finish()]);
        }
        catch (Exception ex) when (ex is SocketException or ObjectDisposedException or IOException) { }
    }

    /// <summary>Waits for the process to end; false when it is still running at the timeout.</summary>
    public bool WaitForExit(TimeSpan timeout) => Volatile.Read(ref _disposed) != 0 || _process.WaitForExit(timeout); // disposed: already ended and reaped

    /// <summary>How the process ended and what it last wrote to stderr (waits a little for both).</summary>
    public (string Exit, string StderrTail) ExitInfo(TimeSpan wait)
    {
        string exit;
        if (_process.WaitForExit(wait))
        {
            int code = _process.ExitCode;
            exit = code > 128 && code < 128 + 65 ? $"killed by signal {code - 128} ({SignalName(code - 128)}), exit code {code}" : $"exit code {code}";
        }
        else exit = "still running";
        _stderr.WaitForEnd(wait);
        return (exit, _stderr.Tail());
    }

    public void Kill(string why)
    {
        MarkLost($"it was ended: {why}");
        TryKill(_process);
    }

    private static string SignalName(int signal) => signal switch
    {
        6 => "SIGABRT", 9 => "SIGKILL", 11 => "SIGSEGV", 7 => "SIGBUS", 4 => "SIGILL", 8 => "SIGFPE", 15 => "SIGTERM",
        _ => "signal " + signal,
    };

    private string LostReasonOrDefault => _lost.Task.IsCompleted ? _lost.Task.Result : "the plugin host is gone";

    private (long, PendingCall) NewCall()
    {
        if (IsLost) throw new PluginHostLostException(LostReasonOrDefault);
        long id = Interlocked.Increment(ref _nextId);
        var call = new PendingCall();
        _calls[id] = call;
        if (IsLost && _calls.TryRemove(id, out _)) throw new PluginHostLostException(LostReasonOrDefault);
        return (id, call);
    }

    private void SendLocked(IList<ArraySegment<byte>> parts)
    {
        long total = parts.Sum(p => (long)p.Count);
        long sent = _socket.Send(parts);
        if (sent == total) return;
        // A blocking stream socket sends everything; finish by hand in case it did not.
        long skip = sent;
        foreach (var part in parts)
        {
            if (skip >= part.Count) { skip -= part.Count; continue; }
            _stream.Write(part.AsSpan((int)skip));
            skip = 0;
        }
    }

    private void ReadLoop()
    {
        string reason = "the connection closed";
        try
        {
            Span<byte> header = stackalloc byte[5];
            while (HostStream.ReadHeader(_stream, header, out int length, out var type))
            {
                var payload = new byte[length];
                _stream.ReadExactly(payload);
                if (type == HostMessage.Log)
                {
                    Deliver(payload);
                    continue;
                }
                long id = new FrameReader(payload).Int64();
                if (_calls.TryRemove(id, out var call)) call.Complete(type, payload);
            }
        }
        catch (Exception ex) when (ex is IOException or SocketException or ObjectDisposedException or InvalidDataException)
        {
            reason = $"the connection broke: {ex.Message}";
        }
        MarkLost(reason);
    }

    private void Deliver(byte[] payload)
    {
        var reader = new FrameReader(payload);
        int instance = reader.Int32();
        var level = (LogLevel)reader.Int32();
        string source = reader.String(), message = reader.String(), logEvent = reader.String();
        try { LogReceived?.Invoke(instance, level, source, message, logEvent.Length == 0 ? null : logEvent); }
        catch (Exception) { /* a log subscriber must not stop the reader */ }
    }

    private void MarkLost(string reason)
    {
        if (!_lost.TrySetResult(reason)) return;
        foreach (var id in _calls.Keys)
        {
            if (_calls.TryRemove(id, out var call)) call.Fail();
        }
    }

    private static void TryKill(Process process)
    {
        try { if (!process.HasExited) process.Kill(); }
        catch (Exception ex) when (ex is InvalidOperationException or System.ComponentModel.Win32Exception) { }
    }

    /// <summary>Kills every host still running (process exit).</summary>
    internal static void KillAll()
    {
        foreach (var host in Live.Values) host.Kill("the CoreAgent process is exiting");
    }

    public void Dispose()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0) return;
        if (!_process.WaitForExit(0)) Kill("it was disposed");
        MarkLost("it was disposed");
        _socket.Dispose();
        _process.WaitForExit(TimeSpan.FromSeconds(5));
        _stderr.WaitForEnd(TimeSpan.FromSeconds(1));
        Live.TryRemove(ProcessId, out _);
        _process.Dispose();
    }

    private sealed class PendingCall
    {
        public ManualResetEventSlim Done { get; } = new();
        public HostMessage Type { get; private set; }
        public byte[]? Payload { get; private set; }

        public void Complete(HostMessage type, byte[] payload)
        {
            Type = type;
            Payload = payload;
            Done.Set();
        }

        public void Fail() => Done.Set();
    }
}

/// <summary>The plugin host died or was ended while a call was waiting; for a flush the chunk counts as FLB_RETRY.</summary>
public sealed class PluginHostLostException(string reason) : Exception($"the plugin host is gone: {reason}")
{
    public string Reason { get; } = reason;
}

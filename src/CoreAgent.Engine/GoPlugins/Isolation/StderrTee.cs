using System.Text;
using Microsoft.Win32.SafeHandles;

namespace CoreAgent.Engine.GoPlugins.Isolation;

/// <summary>
/// Copies a host's stderr to this process's stderr byte for byte (so what a plugin prints there
/// reaches the same console as in-process) and keeps the last bytes for the crash report.
/// </summary>
internal sealed class StderrTee
{
    private const int TailBytes = 16 * 1024;
    private static readonly object ConsoleGate = new();
    private static readonly Stream Console = new FileStream(new SafeFileHandle(2, ownsHandle: false), FileAccess.Write, 1);
    private readonly byte[] _tail = new byte[TailBytes];
    private readonly Thread _thread;
    private int _tailLength;

    public StderrTee(Stream stderr, int processId)
    {
        _thread = new Thread(() => Pump(stderr)) { IsBackground = true, Name = $"CoreAgent plugin host {processId} stderr" };
        _thread.Start();
    }

    /// <summary>Set by tests to capture what would go to the console; null writes to fd 2.</summary>
    internal static Action<byte[], int>? Echo { get; set; }

    public void WaitForEnd(TimeSpan timeout) => _thread.Join(timeout);

    /// <summary>The last bytes the host wrote, as text.</summary>
    public string Tail()
    {
        lock (_tail) return Encoding.UTF8.GetString(_tail, 0, _tailLength);
    }

    private void Pump(Stream stderr)
    {
        var buffer = new byte[4096];
        try
        {
            int n;
            while ((n = stderr.Read(buffer)) > 0)
            {
                Remember(buffer, n);
                try
                {
                    if (Echo is { } echo) echo(buffer, n);
                    else lock (ConsoleGate) { Console.Write(buffer, 0, n); Console.Flush(); }
                }
                catch (IOException) { /* no console: the tail still has it */ }
            }
        }
        catch (Exception ex) when (ex is IOException or ObjectDisposedException) { }
    }

    private void Remember(byte[] buffer, int count)
    {
        lock (_tail)
        {
            if (count >= TailBytes)
            {
                Array.Copy(buffer, count - TailBytes, _tail, 0, TailBytes);
                _tailLength = TailBytes;
                return;
            }
            int keep = Math.Min(_tailLength, TailBytes - count);
            Array.Copy(_tail, _tailLength - keep, _tail, 0, keep);
            Array.Copy(buffer, 0, _tail, keep, count);
            _tailLength = keep + count;
        }
    }
}

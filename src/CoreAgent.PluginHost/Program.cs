using System.Net.Sockets;
using System.Runtime.InteropServices;

namespace CoreAgent.PluginHost;

/// <summary>
/// Entry point: <c>CoreAgent.PluginHost --connect SOCKET --parent PID</c>. Connects to the engine's
/// Unix socket and serves it until the connection closes. Two watchdogs end the process the moment
/// its parent is gone (even one killed with SIGKILL): the socket closing, and stdin (a pipe only
/// the parent holds) reaching end of file. Either way it calls _exit: a plugin thread stuck in a
/// flush must not keep the process alive.
/// </summary>
public static partial class Program
{
    public static int Main(string[] args)
    {
        string? socketPath = null;
        for (int i = 0; i + 1 < args.Length; i++)
        {
            if (args[i] == "--connect") socketPath = args[i + 1];
        }
        if (socketPath is null)
        {
            Console.Error.WriteLine("usage: CoreAgent.PluginHost --connect SOCKET [--parent PID]");
            return 2;
        }

        new Thread(WatchStdin) { IsBackground = true, Name = "parent watchdog" }.Start();
        var socket = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        try
        {
            socket.Connect(new UnixDomainSocketEndPoint(socketPath));
        }
        catch (SocketException ex)
        {
            Console.Error.WriteLine($"CoreAgent.PluginHost: cannot connect to {socketPath}: {ex.Message}");
            return 3;
        }
        new HostServer(socket).Run();
        Exit(0);
        return 0;
    }

    private static void WatchStdin()
    {
        try
        {
            using var stdin = Console.OpenStandardInput();
            var buffer = new byte[64];
            while (stdin.Read(buffer) > 0) { }
        }
        catch (IOException) { }
        Exit(0);
    }

    /// <summary>Ends the process now, whatever its threads are doing.</summary>
    internal static void Exit(int code)
    {
        try
        {
            Console.Out.Flush();
            fflush(0); // what the plugin wrote with C stdio
        }
        catch (Exception) { /* exiting anyway */ }
        _exit(code);
    }

    [LibraryImport("libc.so.6", EntryPoint = "fflush")]
    private static partial int fflush(nint stream);

    [LibraryImport("libc.so.6", EntryPoint = "_exit")]
    private static partial void _exit(int code);
}

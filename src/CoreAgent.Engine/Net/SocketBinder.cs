using System.Net;
using System.Net.Sockets;

namespace CoreAgent.Engine.Net;

/// <summary>Creates bound sockets for an endpoint, with errors that name the address and the instance.</summary>
internal static class SocketBinder
{
    public static Socket Bind(ServerEndpoint endpoint, SocketType type, ProtocolType protocol, string owner)
    {
        if (endpoint.UnixPath is { } path)
        {
            ClearStale(path, type, owner);
            var unix = new Socket(AddressFamily.Unix, type, ProtocolType.Unspecified);
            try
            {
                unix.Bind(new UnixDomainSocketEndPoint(path));
                if (!OperatingSystem.IsWindows()) File.SetUnixFileMode(path, (UnixFileMode)endpoint.UnixPermissions);
                return unix;
            }
            catch (Exception ex) when (ex is SocketException or IOException or UnauthorizedAccessException)
            {
                unix.Dispose();
                throw new Plugins.PluginException($"{owner}: cannot listen on unix socket '{path}': {ex.Message}", ex);
            }
        }
        var address = Resolve(endpoint.Listen, owner);
        var socket = new Socket(address.AddressFamily, type, protocol);
        try
        {
            if (type == SocketType.Stream) socket.SetSocketOption(SocketOptionLevel.Socket, SocketOptionName.ReuseAddress, true);
            if (address.Equals(IPAddress.IPv6Any)) socket.DualMode = true;
            socket.Bind(new IPEndPoint(address, endpoint.Port));
            return socket;
        }
        catch (SocketException ex)
        {
            socket.Dispose();
            throw new Plugins.PluginException($"{owner}: cannot listen on {endpoint.Listen}:{endpoint.Port}: {ex.Message}", ex);
        }
    }

    public static void RemoveUnixPath(ServerEndpoint endpoint)
    {
        if (endpoint.UnixPath is { } path && File.Exists(path) && IsSocket(path))
        {
            try { File.Delete(path); } catch (IOException) { } catch (UnauthorizedAccessException) { }
        }
    }

    private static bool IsSocket(string path)
    {
        try { return new FileInfo(path).Length == 0; }
        catch (IOException) { return false; }
    }

    // A socket file left by an earlier run is removed; one that a live process answers on is not.
    private static void ClearStale(string path, SocketType type, string owner)
    {
        if (!File.Exists(path)) return;
        if (!IsSocket(path)) throw new Plugins.PluginException($"{owner}: '{path}' exists and is not a socket");
        using var probe = new Socket(AddressFamily.Unix, type, ProtocolType.Unspecified);
        try
        {
            probe.Connect(new UnixDomainSocketEndPoint(path));
        }
        catch (SocketException)
        {
            File.Delete(path);
            return;
        }
        throw new Plugins.PluginException($"{owner}: unix socket '{path}' is in use by another process");
    }

    private static IPAddress Resolve(string listen, string owner)
    {
        string host = listen.Trim().Trim('[', ']');
        if (IPAddress.TryParse(host, out var address)) return address;
        try
        {
            var found = Dns.GetHostAddresses(host);
            return found.FirstOrDefault(a => a.AddressFamily == AddressFamily.InterNetwork) ?? found.First();
        }
        catch (Exception ex) when (ex is SocketException or InvalidOperationException or ArgumentException)
        {
            throw new Plugins.PluginException($"{owner}: listen address '{listen}' cannot be resolved: {ex.Message}", ex);
        }
    }
}

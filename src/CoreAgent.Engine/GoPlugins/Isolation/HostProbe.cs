namespace CoreAgent.Engine.GoPlugins.Isolation;

/// <summary>What FLBPluginRegister said about a library.</summary>
public sealed record GoRegistration(string Name, string Description, bool IsInput, int EventType);

/// <summary>
/// Reads a library's registration in a short-lived plugin host, so that importing a plugin never
/// loads it (and its Go runtime) into this process: a panic in Register cannot take the session
/// down, and the file can be rebuilt and imported again.
/// </summary>
internal static class HostProbe
{
    public static GoRegistration Describe(string path)
    {
        PluginHostProcess host;
        try
        {
            host = PluginHostProcess.Start(HostSupervisor.ConnectTimeout);
        }
        catch (PluginHostException ex)
        {
            throw new GoPluginLoadException(GoPluginLoadError.LoadFailed, path, $"'{path}' could not be examined: {ex.Message}");
        }
        try
        {
            var (type, payload) = host.Request(HostMessage.Load, w => w.String(path), HostSupervisor.InitTimeout);
            var reader = new FrameReader(payload);
            reader.Int64();
            if (type == HostMessage.LoadFailed)
            {
                var error = (GoPluginLoadError)reader.Int32();
                throw new GoPluginLoadException(error, path, reader.String());
            }
            string name = reader.String(), description = reader.String();
            bool isInput = reader.Int32() == ProxyConstants.InputPlugin;
            return new GoRegistration(name, description, isInput, reader.Int32());
        }
        catch (PluginHostLostException)
        {
            var (exit, tail) = host.ExitInfo(TimeSpan.FromSeconds(3));
            string crash = HostCrash.Summarize(tail);
            throw new GoPluginLoadException(GoPluginLoadError.LoadFailed, path,
                $"'{path}' crashed its plugin host while registering ({exit})" + (crash.Length > 0 ? ": " + crash : ""));
        }
        finally
        {
            host.Shutdown();
            host.WaitForExit(TimeSpan.FromSeconds(5));
            host.Dispose();
        }
    }
}

using CoreAgent.Engine.Plugins;

namespace CoreAgent.Engine.Monitoring;

/// <summary>
/// Which pipeline of this process serves which monitoring port. Two pipelines in one session must not
/// share one: the socket layer may let both bind (SO_REUSEPORT), so the second is refused here, by name.
/// </summary>
internal static class MonitoringPorts
{
    private static readonly Dictionary<(string Listen, int Port), string> Held = [];

    /// <summary>Claims a port for a pipeline, or throws naming the pipeline that holds it.</summary>
    public static void Claim(string listen, int port, string pipeline)
    {
        if (port == 0) return; // nothing bound yet: the server claims the port it was given after binding
        lock (Held)
        {
            foreach (var ((heldListen, heldPort), holder) in Held)
            {
                if (heldPort != port || !Overlaps(heldListen, listen)) continue;
                throw new PluginException(
                    $"pipeline '{pipeline}': HTTP_Port {port} is already served by pipeline '{holder}' in this session; " +
                    $"give this pipeline another HTTP_Port (or HTTP_Server Off), or stop '{holder}' first");
            }
            Held[(listen, port)] = pipeline;
        }
    }

    public static void Release(string listen, int port)
    {
        if (port == 0) return;
        lock (Held) Held.Remove((listen, port));
    }

    private static bool Overlaps(string a, string b) =>
        a == b || IsAny(a) || IsAny(b);

    private static bool IsAny(string listen) => listen is "0.0.0.0" or "::" or "[::]";
}

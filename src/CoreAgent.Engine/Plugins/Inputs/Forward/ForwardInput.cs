using CoreAgent.Engine.Net;
using CoreAgent.Engine.Pipeline;
using CoreAgent.Engine.Plugins.Properties;

namespace CoreAgent.Engine.Plugins.Inputs.Forward;

/// <summary>
/// The forward input: Fluentd's forward protocol v1 over TCP or a Unix socket (Message, Forward,
/// PackedForward and gzip CompressedPackedForward), with acks, Shared_Key and TLS. Each entry is
/// copied into the engine's chunk in v2 shape without building objects.
/// </summary>
public sealed class ForwardInput : IInputPlugin
{
    public static PluginDescriptor Descriptor { get; } = new()
    {
        Name = "forward",
        Description = "Fluentd forward protocol",
        Type = PluginType.Input,
        CreateInput = () => new ForwardInput(),
        Properties =
        [
            .. ServerEndpoint.Properties(24224, "1024000", "6144000", unixPath: true),
            new("tag_prefix", PropertyType.String, null, "Prefix added to the tag of every incoming message."),
            new("shared_key", PropertyType.String, null, "Require the HELO/PING/PONG handshake with this shared key."),
            new("self_hostname", PropertyType.String, "localhost", "The host name sent in the handshake's PONG."),
            new("empty_shared_key", PropertyType.Boolean, "off", "Require the handshake with an empty shared key."),
        ],
    };

    private InputContext _context = null!;
    private StreamServer _server = null!;
    private TaggedEmitter _emitter = null!;
    private ForwardSettings _settings = null!;

    /// <summary>The bound address, once started (tests use Port 0).</summary>
    public System.Net.EndPoint? LocalEndPoint => _server?.LocalEndPoint;

    public void Init(InputContext context)
    {
        _context = context;
        var endpoint = ServerEndpoint.FromContext(context, 24224, 1024000, 6144000);
        string? key = context.Properties.Get("shared_key");
        if (key is null && context.GetBool("empty_shared_key", false)) key = "";
        _settings = new ForwardSettings(context.Properties.Get("tag_prefix") ?? "", key, context.GetString("self_hostname", "localhost"));
        _emitter = new TaggedEmitter(context.Emitter);
        _server = new StreamServer(endpoint, context.InstanceName, context.Log, (connection, token) =>
            new ForwardSession(connection, _emitter, _settings, context.Log, context.InstanceName).RunAsync(token));
        _server.Bind();
    }

    public void Run(CancellationToken cancellation)
    {
        var sealer = new Thread(() =>
        {
            while (!cancellation.WaitHandle.WaitOne(TimeSpan.FromMilliseconds(250))) _emitter.Seal();
        })
        { IsBackground = true, Name = $"CoreAgent seal {_context.InstanceName}" };
        sealer.Start();
        try
        {
            _server.Run(cancellation);
        }
        finally
        {
            sealer.Join();
            _server.Dispose();
            _emitter.Seal();
        }
    }
}

internal sealed record ForwardSettings(string TagPrefix, string? SharedKey, string SelfHostname);

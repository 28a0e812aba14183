using CoreAgent.Engine.Net;
using CoreAgent.Engine.Pipeline;
using CoreAgent.Engine.Plugins.Properties;

namespace CoreAgent.Engine.Plugins.Inputs.Http;

/// <summary>
/// Fluent Bit's in_http: records POSTed as JSON (an object, an array of objects, or several
/// objects), form fields or msgpack, tagged by the URL path (or by tag_key), answered with
/// successful_response_code. HTTP/1.1 with keep-alive and chunked bodies, over TCP or TLS.
/// </summary>
public sealed class HttpInput : IInputPlugin
{
    public static PluginDescriptor Descriptor { get; } = new()
    {
        Name = "http",
        Description = "HTTP",
        Type = PluginType.Input,
        CreateInput = () => new HttpInput(),
        Properties =
        [
            .. ServerEndpoint.Properties(9880, "512K", "4M", unixPath: false),
            new("tag_key", PropertyType.String, null, "Take each record's tag from this key's string value (else the URL path)."),
            new("successful_response_code", PropertyType.Integer, "201", "Status answered on success: 200, 201 or 204."),
            new("success_header", PropertyType.String, null, "A header 'Name value' added to successful responses; may be repeated.") { Multiple = true },
        ],
    };

    private InputContext _context = null!;
    private StreamServer _server = null!;
    private TaggedEmitter _emitter = null!;

    /// <summary>The bound address, once started (tests use Port 0).</summary>
    public System.Net.EndPoint? LocalEndPoint => _server?.LocalEndPoint;

    public void Init(InputContext context)
    {
        _context = context;
        var endpoint = ServerEndpoint.FromContext(context, 9880, 512_000, 4_000_000);
        int code = (int)context.GetInteger("successful_response_code", 201);
        if (code is not (200 or 201 or 204))
        {
            // Fluent Bit logs this and carries on with 201.
            context.Log.Error(context.InstanceName, $"{code} is not supported response code. Use default 201");
            code = 201;
        }
        var headers = new List<KeyValuePair<string, string>>();
        foreach (var header in context.Properties.GetAll("success_header"))
        {
            var text = header.Value.Trim();
            int space = text.IndexOfAny([' ', '\t']);
            if (space <= 0) throw new PropertyException("success_header", $"'{text}' is not 'Name value'");
            headers.Add(new(text[..space], text[(space + 1)..].Trim()));
        }
        var settings = new HttpSettings(context.Emitter.Tag, context.Properties.Get("tag_key"), code, headers);
        _emitter = new TaggedEmitter(context.Emitter);
        _server = new StreamServer(endpoint, context.InstanceName, context.Log, (connection, token) =>
            new HttpSession(connection, _emitter, settings, context.Log, context.InstanceName).RunAsync(token));
        _server.Bind();
    }

    public void Run(CancellationToken cancellation) => ServerLoop.Run(_server, _emitter, _context.InstanceName, cancellation);
}

internal sealed record HttpSettings(string DefaultTag, string? TagKey, int SuccessCode, IReadOnlyList<KeyValuePair<string, string>> SuccessHeaders);

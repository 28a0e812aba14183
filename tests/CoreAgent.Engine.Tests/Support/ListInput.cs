using CoreAgent.Engine.Plugins;
using CoreAgent.Engine.Records;

namespace CoreAgent.Engine.Tests.Support;

/// <summary>
/// An input for filter tests: writes the given JSON bodies once, in one batch (so they share a
/// chunk), with <see cref="FilterEvents.Time"/>, then ends.
/// </summary>
public sealed class ListInput(IReadOnlyList<string> jsonBodies) : IInputPlugin
{
    private InputContext _context = null!;

    public void Init(InputContext context) => _context = context;

    public void Run(CancellationToken cancellation)
    {
        using var batch = _context.Emitter.BeginBatch();
        foreach (var body in jsonBodies.SelectMany(JsonToMsgPack.ConvertAll)) batch.Write(FilterEvents.Time, EventEncoder.EmptyMap, body);
    }

    public static PluginDescriptor Descriptor(string name, params string[] jsonBodies) => new()
    {
        Name = name,
        Description = "test list input",
        Type = PluginType.Input,
        CreateInput = () => new ListInput(jsonBodies),
    };
}

using System.Buffers;
using CoreAgent.Engine.Parsers;
using CoreAgent.Engine.Records;

namespace CoreAgent.Engine.Plugins.Inputs.Syslog;

/// <summary>Turns one syslog message into a record map and its time (the arrival time when it has none).</summary>
internal interface IMessageParser
{
    string Name { get; }
    bool TryParse(ReadOnlySpan<byte> message, IBufferWriter<byte> output, out EventTime time);
}

/// <summary>A parser of the pipeline's Parsers_File, used by name.</summary>
internal sealed class RegistryParser(Parser parser) : IMessageParser
{
    public string Name => parser.Name;

    public bool TryParse(ReadOnlySpan<byte> message, IBufferWriter<byte> output, out EventTime time)
    {
        bool parsed = parser.TryParse(message, output, out EventTime? parsedTime);
        time = parsedTime ?? EventTime.Now();
        return parsed;
    }
}

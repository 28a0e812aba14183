using System.Buffers;
using CoreAgent.Engine.Logging;
using CoreAgent.Engine.Pipeline;
using CoreAgent.Engine.Records;

namespace CoreAgent.Engine.Plugins.Inputs.Syslog;

/// <summary>Parses one syslog message and writes its record; a message the parser does not match is dropped with a (rate-limited) warning, as Fluent Bit.</summary>
internal sealed class SyslogWriter(RecordEmitter emitter, IMessageParser parser, AgentLog log, string owner)
{
    private readonly ArrayBufferWriter<byte> _record = new();
    private long _unparsed;

    public bool IsPaused => emitter.IsPaused;

    public void Write(ReadOnlySpan<byte> message, string peer)
    {
        if (message.IsEmpty) return;
        _record.Clear();
        if (!parser.TryParse(message, _record, out var time))
        {
            string text = SyslogParser.Decode(message);
            if (_unparsed++ % 1000 == 0)
                log.Warn(owner, $"error parsing log message from {peer} with parser '{parser.Name}' ({_unparsed} so far): {(text.Length > 120 ? text[..120] + "..." : text)}");
            return;
        }
        using var batch = emitter.BeginBatch(waitForRoom: false);
        batch.Write(time, EventEncoder.EmptyMap, _record.WrittenSpan);
    }
}

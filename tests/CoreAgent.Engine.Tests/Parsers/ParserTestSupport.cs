using System.Buffers;
using System.Globalization;
using System.Text;
using CoreAgent.Engine.Logging;
using CoreAgent.Engine.Parsers;
using CoreAgent.Engine.Records;
using MessagePack;

namespace CoreAgent.Engine.Tests.Parsers;

/// <summary>Builds parsers from key/value lists and shows their output with the msgpack types visible.</summary>
internal static class ParserTestSupport
{
    /// <summary>A fixed "now" for formats without a year: 2026-03-04 05:06:07 UTC.</summary>
    public static readonly DateTimeOffset Now = new(2026, 3, 4, 5, 6, 7, TimeSpan.Zero);

    public static Parser Create(params (string Key, string Value)[] properties) => Create(null, properties);

    public static Parser Create(AgentLog? log, params (string Key, string Value)[] properties)
    {
        var problems = new List<ParserProblem>();
        var parser = ParserFactory.Create(ParserDefinition.Of(properties), problems, () => Now);
        Assert.True(parser is not null, string.Join("; ", problems));
        parser!.Log = log ?? AgentLog.Null;
        return parser;
    }

    public static List<ParserProblem> Problems(params (string Key, string Value)[] properties)
    {
        var problems = new List<ParserProblem>();
        ParserFactory.Create(ParserDefinition.Of(properties), problems, () => Now);
        return problems;
    }

    /// <summary>Parses a line; returns the body shown typed (see <see cref="Show"/>), or null when it does not parse.</summary>
    public static string? Parse(Parser parser, string line, out EventTime? time) => Parse(parser, Encoding.UTF8.GetBytes(line), out time);

    public static string? Parse(Parser parser, byte[] line, out EventTime? time)
    {
        var buffer = new ArrayBufferWriter<byte>();
        bool parsed = parser.TryParse(line, buffer, out time);
        if (!parsed)
        {
            Assert.Equal(0, buffer.WrittenCount); // nothing is written for a line that does not parse
            Assert.Null(time);
            return null;
        }
        return Show(buffer.WrittenMemory);
    }

    /// <summary>msgpack as JSON-like text where the type is visible: 5 (int), 5u (uint64 above int64), 1.5d (float64), "s" (str).</summary>
    public static string Show(ReadOnlyMemory<byte> msgpack)
    {
        var reader = new MessagePackReader(msgpack);
        var sb = new StringBuilder();
        Write(ref reader, sb);
        Assert.True(reader.End, "trailing bytes after the body");
        return sb.ToString();
    }

    private static void Write(ref MessagePackReader reader, StringBuilder sb)
    {
        switch (reader.NextMessagePackType)
        {
            case MessagePackType.Map:
                int n = reader.ReadMapHeader();
                sb.Append('{');
                for (int i = 0; i < n; i++)
                {
                    if (i > 0) sb.Append(',');
                    Write(ref reader, sb);
                    sb.Append(':');
                    Write(ref reader, sb);
                }
                sb.Append('}');
                break;
            case MessagePackType.Array:
                int m = reader.ReadArrayHeader();
                sb.Append('[');
                for (int i = 0; i < m; i++)
                {
                    if (i > 0) sb.Append(',');
                    Write(ref reader, sb);
                }
                sb.Append(']');
                break;
            case MessagePackType.String:
                sb.Append('"').Append(reader.ReadString()).Append('"');
                break;
            case MessagePackType.Integer:
                if (reader.NextCode == MessagePackCode.UInt64 && reader.CreatePeekReader().ReadUInt64() > long.MaxValue) sb.Append(reader.ReadUInt64()).Append('u');
                else sb.Append(reader.ReadInt64());
                break;
            case MessagePackType.Float:
                sb.Append(reader.ReadDouble().ToString("R", CultureInfo.InvariantCulture)).Append('d');
                break;
            case MessagePackType.Boolean:
                sb.Append(reader.ReadBoolean() ? "true" : "false");
                break;
            case MessagePackType.Nil:
                reader.ReadNil();
                sb.Append("null");
                break;
            default:
                sb.Append('?').Append(reader.NextMessagePackType);
                reader.Skip();
                break;
        }
    }
}

using System.Buffers;
using System.Text.Json;
using CoreAgent.Engine.Parsers;

namespace CoreAgent.Engine.Plugins.Inputs.Tail;

/// <summary>Gets a joined Docker_Mode line and the offset to report for it.</summary>
public delegate void DockerModeLine(ReadOnlySpan<byte> line, long offset);

/// <summary>
/// Docker_Mode for one file, as Fluent Bit's tail_dockermode.c: Docker's json-file driver splits a
/// long line into several {"log":"...",...} lines, only the last one's log ending with "\n". The
/// raw (still escaped) log values are joined until one ends with a newline; the joined line is
/// the last JSON line with its log value replaced by the joined text, handed on as one line (to
/// the tail Parser, or raw under Key). With Docker_Mode_Parser, complete lines keep joining until a
/// line matching that parser (tried on the whole JSON line) starts a new record. What is pending
/// is flushed when Docker_Mode_Flush passes without a new line, and when the file closes or stops.
/// </summary>
public sealed class DockerModeJoiner
{
    private readonly Parser? _firstLineParser;
    private readonly TimeSpan _flush;
    private readonly DockerModeLine _emit;
    private readonly ArrayBufferWriter<byte> _joined = new(1024); // the raw log values so far
    private byte[] _lastLine = new byte[1024];                    // the last JSON line appended
    private int _lastLength, _valueStart, _valueEnd;               // its length and its log value's raw bounds
    private bool _complete = true;                                 // the last value ended with a newline
    private bool _firstLineSeen;                                   // Docker_Mode_Parser matched once (never reset, as Fluent Bit)
    private TimeSpan _deadline;
    private ArrayBufferWriter<byte>? _probe;

    /// <param name="emit">Gets each joined line and the offset to report for it.</param>
    public DockerModeJoiner(Parser? firstLineParser, TimeSpan flush, DockerModeLine emit)
    {
        _firstLineParser = firstLineParser;
        _flush = flush;
        _emit = emit;
    }

    /// <summary>The offset of the first line of what is pending (null when nothing is): the DB offset stays before it.</summary>
    public long? PendingFrom { get; private set; }

    /// <summary>
    /// Takes one line read at <paramref name="now"/> (a monotonic clock). False when it is not a
    /// Docker JSON line with a string "log": what was pending is flushed first (reported at
    /// <paramref name="flushOffset"/>), and the caller handles the line as a plain one.
    /// </summary>
    public bool Append(ReadOnlySpan<byte> line, long lineOffset, long flushOffset, TimeSpan now)
    {
        if (_firstLineParser is not null)
        {
            _probe ??= new ArrayBufferWriter<byte>(256);
            _probe.ResetWrittenCount();
            bool first = _firstLineParser.TryParse(line, _probe, out _);
            if (first) _firstLineSeen = true;
            // A complete record is flushed by a new first line, or by any line until a first line was ever seen.
            if (_lastLength > 0 && _complete && (first || !_firstLineSeen)) Flush(flushOffset);
        }
        if (!FindLogValue(line, out int start, out int end))
        {
            Flush(flushOffset);
            return false;
        }
        _joined.Write(line[start..end]);
        if (_lastLine.Length < line.Length) _lastLine = new byte[Math.Max(line.Length, _lastLine.Length * 2)];
        line.CopyTo(_lastLine);
        (_lastLength, _valueStart, _valueEnd) = (line.Length, start, end);
        PendingFrom ??= lineOffset;
        _deadline = now + _flush;
        _complete = EndsWithNewline(line[start..end]);
        if (_complete && _firstLineParser is null) Flush(flushOffset);
        return true;
    }

    /// <summary>Flushes what is pending when Docker_Mode_Flush passed since the last line.</summary>
    public void FlushExpired(TimeSpan now, long flushOffset)
    {
        if (_lastLength > 0 && now >= _deadline) Flush(flushOffset);
    }

    /// <summary>Flushes what is pending (file closed, truncated, stop).</summary>
    public void Flush(long flushOffset)
    {
        if (_lastLength == 0) return;
        var joined = _joined.WrittenSpan;
        var line = new byte[_lastLength - (_valueEnd - _valueStart) + joined.Length];
        _lastLine.AsSpan(0, _valueStart).CopyTo(line);
        joined.CopyTo(line.AsSpan(_valueStart));
        _lastLine.AsSpan(_valueEnd, _lastLength - _valueEnd).CopyTo(line.AsSpan(_valueStart + joined.Length));
        _joined.ResetWrittenCount();
        _lastLength = 0;
        PendingFrom = null;
        _emit(line, flushOffset);
    }

    /// <summary>
    /// The raw bounds of the string value of the first top-level "log" key of a line that is one
    /// JSON object starting at its first byte; false when the line is not valid JSON or has none.
    /// </summary>
    public static bool FindLogValue(ReadOnlySpan<byte> line, out int start, out int end)
    {
        start = end = -1;
        if (line.IsEmpty || line[0] != (byte)'{') return false;
        var reader = new Utf8JsonReader(line, new JsonReaderOptions { CommentHandling = JsonCommentHandling.Disallow });
        try
        {
            bool found = false, failed = false;
            while (reader.Read())
            {
                if (found || failed || reader.CurrentDepth != 1 || reader.TokenType != JsonTokenType.PropertyName) continue;
                // The key as written (an escaped spelling of "log" is another key, as Fluent Bit compares raw bytes).
                if (reader.ValueIsEscaped || !reader.ValueSpan.SequenceEqual("log"u8)) continue;
                reader.Read();
                if (reader.TokenType == JsonTokenType.String)
                {
                    start = (int)reader.TokenStartIndex + 1;
                    end = start + reader.ValueSpan.Length;
                    found = true;
                }
                else failed = true; // the first "log" is not a string: Fluent Bit gives up the line
            }
            return found;
        }
        catch (JsonException) { return false; }
    }

    /// <summary>Whether an escaped JSON string value ends, once unescaped, with "\n" (\n or \u000a).</summary>
    public static bool EndsWithNewline(ReadOnlySpan<byte> raw)
    {
        int escape;
        if (raw.EndsWith("\\n"u8)) escape = raw.Length - 2;
        else if (raw.EndsWith("\\u000a"u8) || raw.EndsWith("\\u000A"u8)) escape = raw.Length - 6;
        else return raw.EndsWith("\n"u8);
        // The backslash starts an escape only when an even number of backslashes precede it.
        int backslashes = 0;
        for (int i = escape - 1; i >= 0 && raw[i] == '\\'; i--) backslashes++;
        return backslashes % 2 == 0;
    }
}

using System.Buffers;
using System.Globalization;
using System.Text;

namespace CoreAgent.Engine.Records;

/// <summary>
/// A growable character buffer that msgpack-to-text converters write into, so a whole chunk can be
/// handed to a <see cref="TextWriter"/> in one call. Reuse one per thread: <see cref="Clear"/> keeps
/// the storage.
/// </summary>
public sealed class MsgPackTextBuffer
{
    // Past this size the storage goes back to the pool on Clear instead of staying with the buffer.
    private const int RetainedCapacity = 4 * 1024 * 1024;

    private char[] _chars;
    private int _length;

    public MsgPackTextBuffer(int capacity = 4096) => _chars = ArrayPool<char>.Shared.Rent(Math.Max(capacity, 16));

    public int Length => _length;

    public ReadOnlySpan<char> Span => _chars.AsSpan(0, _length);

    public void Clear()
    {
        _length = 0;
        if (_chars.Length > RetainedCapacity)
        {
            ArrayPool<char>.Shared.Return(_chars);
            _chars = ArrayPool<char>.Shared.Rent(4096);
        }
    }

    public void Append(char c)
    {
        if (_length == _chars.Length) Grow(1);
        _chars[_length++] = c;
    }

    public void Append(ReadOnlySpan<char> text)
    {
        if (_chars.Length - _length < text.Length) Grow(text.Length);
        text.CopyTo(_chars.AsSpan(_length));
        _length += text.Length;
    }

    /// <summary>Appends bytes known to be ASCII (such as UTF-8 literals of punctuation and key names).</summary>
    public void AppendAscii(ReadOnlySpan<byte> ascii)
    {
        if (_chars.Length - _length < ascii.Length) Grow(ascii.Length);
        var destination = _chars.AsSpan(_length, ascii.Length);
        for (int i = 0; i < ascii.Length; i++) destination[i] = (char)ascii[i];
        _length += ascii.Length;
    }

    /// <summary>Decodes UTF-8 text; invalid sequences become U+FFFD.</summary>
    public void AppendUtf8(ReadOnlySpan<byte> utf8)
    {
        int max = Encoding.UTF8.GetMaxCharCount(utf8.Length);
        if (_chars.Length - _length < max) Grow(max);
        _length += Encoding.UTF8.GetChars(utf8, _chars.AsSpan(_length));
    }

    /// <summary>Formats a number (or any span-formattable value) in place, with the invariant culture.</summary>
    public void AppendFormatted<T>(T value, ReadOnlySpan<char> format = default) where T : ISpanFormattable
    {
        int written;
        while (!value.TryFormat(_chars.AsSpan(_length), out written, format, CultureInfo.InvariantCulture))
            Grow(Math.Max(64, _chars.Length));
        _length += written;
    }

    /// <summary>Gives direct access to the last <paramref name="count"/> characters written (for in-place fix-ups).</summary>
    /// <summary>Drops what was appended after <paramref name="length"/> characters.</summary>
    public void Truncate(int length) => _length = Math.Clamp(length, 0, _length);

    internal Span<char> Tail(int count) => _chars.AsSpan(_length - count, count);

    public void WriteTo(TextWriter writer) => writer.Write(_chars, 0, _length);

    public override string ToString() => new(_chars, 0, _length);

    private void Grow(int needed)
    {
        int size = Math.Max(_chars.Length * 2, _length + needed);
        var larger = ArrayPool<char>.Shared.Rent(size);
        _chars.AsSpan(0, _length).CopyTo(larger);
        ArrayPool<char>.Shared.Return(_chars);
        _chars = larger;
    }
}

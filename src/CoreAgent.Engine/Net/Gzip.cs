using System.Buffers;
using System.IO.Compression;

namespace CoreAgent.Engine.Net;

/// <summary>gzip for network payloads, with a bound on what a decompressed payload may grow to.</summary>
public static class Gzip
{
    /// <summary>
    /// Decompresses <paramref name="compressed"/>, which may hold several concatenated gzip members
    /// (as a sender that appends compressed batches produces), into <paramref name="destination"/>.
    /// Throws <see cref="InvalidDataException"/> for bytes that are not gzip or that decompress to more
    /// than <paramref name="maxBytes"/>.
    /// </summary>
    public static void Decompress(ReadOnlyMemory<byte> compressed, ArrayBufferWriter<byte> destination, long maxBytes)
    {
        if (compressed.Length < 2 || compressed.Span[0] != 0x1f || compressed.Span[1] != 0x8b)
            throw new InvalidDataException("the payload is not gzip (no 1f 8b header)");
        using var source = new ReadOnlyMemoryStream(compressed);
        // .NET's GZipStream reads every concatenated member, not just the first.
        using var gzip = new GZipStream(source, CompressionMode.Decompress);
        long total = 0;
        while (true)
        {
            var span = destination.GetSpan(64 * 1024);
            int read = gzip.Read(span);
            if (read == 0) break;
            total += read;
            if (total > maxBytes) throw new InvalidDataException($"the payload decompresses to more than {maxBytes} bytes");
            destination.Advance(read);
        }
    }

    /// <summary>Compresses into one gzip member.</summary>
    public static byte[] Compress(ReadOnlySpan<byte> data, CompressionLevel level = CompressionLevel.Fastest)
    {
        using var output = new MemoryStream();
        using (var gzip = new GZipStream(output, level, leaveOpen: true)) gzip.Write(data);
        return output.ToArray();
    }

    private sealed class ReadOnlyMemoryStream(ReadOnlyMemory<byte> data) : Stream
    {
        private int _position;

        public override bool CanRead => true;
        public override bool CanSeek => false;
        public override bool CanWrite => false;
        public override long Length => data.Length;
        public override long Position { get => _position; set => throw new NotSupportedException(); }

        public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));

        public override int Read(Span<byte> buffer)
        {
            int n = Math.Min(buffer.Length, data.Length - _position);
            data.Span.Slice(_position, n).CopyTo(buffer);
            _position += n;
            return n;
        }

        public override void Flush() { }
        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
        public override void SetLength(long value) => throw new NotSupportedException();
        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    }
}

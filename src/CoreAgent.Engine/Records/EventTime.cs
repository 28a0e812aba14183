using System.Buffers.Binary;

namespace CoreAgent.Engine.Records;

/// <summary>A Fluent Bit event timestamp: seconds and nanoseconds since the Unix epoch.</summary>
public readonly record struct EventTime(uint Seconds, uint Nanoseconds)
{
    /// <summary>Size of the msgpack fixext8 that encodes an EventTime.</summary>
    public const int EncodedSize = 10;

    /// <summary>The current time with full nanoseconds (clock_gettime on Linux; 100 ns steps elsewhere).</summary>
    public static unsafe EventTime Now()
    {
        if (OperatingSystem.IsLinux())
        {
            Native.Libc.TimeSpec now;
            if (Native.Libc.clock_gettime(Native.Libc.CLOCK_REALTIME, &now) == 0) return new EventTime((uint)now.Seconds, (uint)now.Nanoseconds);
        }
        return FromDateTime(DateTime.UtcNow);
    }

    public static EventTime FromDateTime(DateTime utc)
    {
        long ticks = utc.ToUniversalTime().Ticks - DateTime.UnixEpoch.Ticks;
        return new EventTime((uint)(ticks / TimeSpan.TicksPerSecond), (uint)(ticks % TimeSpan.TicksPerSecond * 100));
    }

    public static EventTime FromDateTimeOffset(DateTimeOffset value) => FromDateTime(value.UtcDateTime);

    public DateTimeOffset ToDateTimeOffset() =>
        DateTimeOffset.FromUnixTimeSeconds(Seconds).AddTicks(Nanoseconds / 100);

    public double ToDouble() => Seconds + Nanoseconds / 1e9;

    /// <summary>Writes the msgpack ext type 0 (fixext8) form: d7 00 sec(BE32) nsec(BE32).</summary>
    public void WriteTo(Span<byte> destination)
    {
        destination[0] = 0xd7;
        destination[1] = 0x00;
        BinaryPrimitives.WriteUInt32BigEndian(destination[2..], Seconds);
        BinaryPrimitives.WriteUInt32BigEndian(destination[6..], Nanoseconds);
    }

    public override string ToString() => $"{Seconds}.{Nanoseconds:D9}";
}

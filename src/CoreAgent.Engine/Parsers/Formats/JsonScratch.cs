namespace CoreAgent.Engine.Parsers.Formats;

/// <summary>
/// Per-thread working memory of <see cref="JsonParser"/>: the msgpack written so far (with a 5-byte
/// placeholder per container header), each container's placeholder position, member count and kind
/// in document order, the stack of open containers, and where the time member lies. Reused for
/// every line, grown when a line needs more, so parsing allocates nothing once warm.
/// </summary>
internal sealed class JsonScratch
{
    public byte[] Bytes = new byte[4096];
    public int Length;

    public int[] Positions = new int[64];
    public int[] Counts = new int[64];
    public bool[] IsArray = new bool[64];
    public int Containers;
    public int[] Stack = new int[64];

    public int TimeMemberStart, TimeValueStart, TimeMemberEnd;
    public int SkipStart, SkipEnd;

    public void Reset()
    {
        Length = 0;
        Containers = 0;
        TimeMemberStart = TimeValueStart = TimeMemberEnd = -1;
        SkipStart = SkipEnd = -1;
    }

    /// <summary>Lets a buffer grown by a huge line go, so one such line does not pin megabytes per thread.</summary>
    public void Trim()
    {
        if (Bytes.Length > 1 << 20) Bytes = new byte[4096];
    }

    /// <summary>At least <paramref name="size"/> writable bytes at <see cref="Length"/>.</summary>
    public Span<byte> Room(int size)
    {
        if (Length + size > Bytes.Length) Array.Resize(ref Bytes, Math.Max(Bytes.Length * 2, Length + size));
        return Bytes.AsSpan(Length);
    }

    /// <summary>Starts a map or array: reserves its header and pushes it on the stack.</summary>
    public void Open(bool isArray, ref int depth)
    {
        if (Containers == Positions.Length)
        {
            Array.Resize(ref Positions, Containers * 2);
            Array.Resize(ref Counts, Containers * 2);
            Array.Resize(ref IsArray, Containers * 2);
        }
        if (depth == Stack.Length) Array.Resize(ref Stack, depth * 2);
        Room(5);
        Positions[Containers] = Length;
        Counts[Containers] = 0;
        IsArray[Containers] = isArray;
        Stack[depth++] = Containers++;
        Length += 5;
    }
}

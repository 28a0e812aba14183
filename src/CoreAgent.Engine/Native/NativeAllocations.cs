using System.Runtime.InteropServices;
using System.Text;

namespace CoreAgent.Engine.Native;

/// <summary>
/// Native memory handed to plugins, counted so tests can prove a stopped pipeline leaves none behind.
/// </summary>
public static unsafe class NativeAllocations
{
    private static long _outstanding;

    /// <summary>Blocks allocated and not yet freed.</summary>
    public static long Outstanding => Interlocked.Read(ref _outstanding);

    public static void* AllocZeroed(nuint size)
    {
        Interlocked.Increment(ref _outstanding);
        return NativeMemory.AllocZeroed(size);
    }

    public static T* AllocZeroed<T>() where T : unmanaged => (T*)AllocZeroed((nuint)sizeof(T));

    /// <summary>A NUL-terminated UTF-8 copy of the string, from malloc.</summary>
    public static byte* Utf8(string value)
    {
        int length = Encoding.UTF8.GetByteCount(value);
        var text = (byte*)AllocZeroed((nuint)length + 1);
        Encoding.UTF8.GetBytes(value, new Span<byte>(text, length));
        return text;
    }

    public static void Free(void* block)
    {
        if (block == null) return;
        NativeMemory.Free(block);
        Interlocked.Decrement(ref _outstanding);
    }
}

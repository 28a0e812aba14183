using System.Runtime.InteropServices;

namespace CoreAgent.Engine.Native;

/// <summary>glibc's struct sigaction on x86-64: handler, 1024-bit mask, flags (+4 padding), restorer.</summary>
[StructLayout(LayoutKind.Sequential)]
internal unsafe struct SigAction
{
    public nint Handler;
    public fixed ulong Mask[16];
    public int Flags;
    private int _padding;
    public nint Restorer;
}

/// <summary>The few libc entry points the loader needs.</summary>
internal static unsafe partial class Libc
{
    private const string Library = "libc.so.6";

    public const int RTLD_NOW = 0x2;
    public const int RTLD_LOCAL = 0x0;
    public const int SIGBUS = 7;
    public const int SIGFPE = 8;
    public const int SIGSEGV = 11;
    public const int SA_ONSTACK = 0x08000000;
    public const int MaxSignal = 64;

    [LibraryImport(Library, EntryPoint = "sigaction", SetLastError = true)]
    public static partial int sigaction(int signal, SigAction* action, SigAction* previous);

    [LibraryImport(Library, EntryPoint = "__libc_current_sigrtmin")]
    public static partial int CurrentSigRtMin();

    public const int CLOCK_REALTIME = 0;

    [StructLayout(LayoutKind.Sequential)]
    public struct TimeSpec
    {
        public long Seconds;
        public long Nanoseconds;
    }

    [LibraryImport(Library, EntryPoint = "clock_gettime")]
    [SuppressGCTransition] // a vDSO call that never blocks
    public static partial int clock_gettime(int clock, TimeSpec* time);

    [LibraryImport(Library, EntryPoint = "dlopen", StringMarshalling = StringMarshalling.Utf8)]
    public static partial nint dlopen(string path, int flags);

    [LibraryImport(Library, EntryPoint = "dlerror")]
    public static partial nint dlerror();

    public static string LastDlError() => Marshal.PtrToStringUTF8(dlerror()) ?? "unknown dlopen error";
}

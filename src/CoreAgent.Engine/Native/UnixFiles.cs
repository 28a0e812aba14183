using System.Runtime.InteropServices;
using System.Text;
using Microsoft.Win32.SafeHandles;

namespace CoreAgent.Engine.Native;

/// <summary>What the tail input needs to know of a file: its identity (device, inode), links, size and mtime.</summary>
public readonly record struct FileStatus(ulong Device, ulong Inode, ulong Links, long Size, long MTimeSeconds, bool IsRegular);

/// <summary>
/// stat(2)/fstat(2) and the name behind an open descriptor, which .NET does not expose: the tail
/// input tracks files by inode, as Fluent Bit does, so that a rename (rotation) keeps the same
/// file and a new file under the old name is a different one. Linux only (x86-64 and arm64
/// struct layouts); glibc 2.33+ exports stat and fstat by those names.
/// </summary>
public static unsafe partial class UnixFiles
{
    private const string Library = "libc.so.6";

    public static bool IsSupported =>
        OperatingSystem.IsLinux() && RuntimeInformation.ProcessArchitecture is Architecture.X64 or Architecture.Arm64;

    [LibraryImport(Library, EntryPoint = "stat", StringMarshalling = StringMarshalling.Utf8, SetLastError = true)]
    private static partial int stat(string path, byte* buffer);

    [LibraryImport(Library, EntryPoint = "fstat", SetLastError = true)]
    private static partial int fstat(int fd, byte* buffer);

    /// <summary>stat(2) of a path (following links); null when it does not exist or cannot be read.</summary>
    public static FileStatus? Stat(string path)
    {
        byte* buffer = stackalloc byte[256];
        return stat(path, buffer) == 0 ? Decode(buffer) : null;
    }

    /// <summary>fstat(2) of an open file; null on error.</summary>
    public static FileStatus? FStat(SafeFileHandle handle)
    {
        byte* buffer = stackalloc byte[256];
        bool added = false;
        try
        {
            handle.DangerousAddRef(ref added);
            return fstat((int)handle.DangerousGetHandle(), buffer) == 0 ? Decode(buffer) : null;
        }
        finally
        {
            if (added) handle.DangerousRelease();
        }
    }

    /// <summary>
    /// The current path of an open file (readlink of /proc/self/fd/N): a rename shows the new name,
    /// an unlinked file ends in " (deleted)". Null when it cannot be read.
    /// </summary>
    public static string? NameOf(SafeFileHandle handle)
    {
        Span<byte> target = stackalloc byte[4096];
        bool added = false;
        try
        {
            handle.DangerousAddRef(ref added);
            string link = $"/proc/self/fd/{(int)handle.DangerousGetHandle()}";
            nint length;
            fixed (byte* p = target) length = readlink(link, p, target.Length);
            return length <= 0 ? null : Encoding.UTF8.GetString(target[..(int)length]);
        }
        finally
        {
            if (added) handle.DangerousRelease();
        }
    }

    [LibraryImport(Library, EntryPoint = "readlink", StringMarshalling = StringMarshalling.Utf8, SetLastError = true)]
    private static partial nint readlink(string path, byte* buffer, nint size);

    private const uint S_IFMT = 0xF000, S_IFREG = 0x8000;

    private static FileStatus Decode(byte* b)
    {
        if (RuntimeInformation.ProcessArchitecture == Architecture.X64)
        {
            // x86-64: dev 0, ino 8, nlink 16, mode 24, uid 28, gid 32, pad, rdev 40, size 48, blksize 56, blocks 64, atim 72, mtim 88
            uint mode = *(uint*)(b + 24);
            return new FileStatus(*(ulong*)b, *(ulong*)(b + 8), *(ulong*)(b + 16), *(long*)(b + 48), *(long*)(b + 88), (mode & S_IFMT) == S_IFREG);
        }
        // arm64 (generic layout): dev 0, ino 8, mode 16, nlink 20, uid 24, gid 28, rdev 32, pad 40, size 48, blksize 56, pad, blocks 64, atim 72, mtim 88
        uint armMode = *(uint*)(b + 16);
        return new FileStatus(*(ulong*)b, *(ulong*)(b + 8), *(uint*)(b + 20), *(long*)(b + 48), *(long*)(b + 88), (armMode & S_IFMT) == S_IFREG);
    }
}

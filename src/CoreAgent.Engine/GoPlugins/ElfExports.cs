using System.Buffers.Binary;
using System.Text;

namespace CoreAgent.Engine.GoPlugins;

/// <summary>
/// Reads the names of the functions a shared object exports, without loading it. Loading a Go
/// library starts a Go runtime that can never be unloaded, so a file that is not a plugin must be
/// turned away before dlopen.
/// </summary>
internal static class ElfExports
{
    private const int SHT_DYNSYM = 11;
    private const ushort ET_DYN = 3;
    private const ushort EM_X86_64 = 62;

    /// <summary>Returns the defined dynamic symbols, or throws <see cref="GoPluginLoadException"/> explaining why the file is unusable.</summary>
    public static HashSet<string> Read(string path)
    {
        byte[] file = File.ReadAllBytes(path);
        ReadOnlySpan<byte> elf = file;
        if (elf.Length < 64 || elf[0] != 0x7f || elf[1] != (byte)'E' || elf[2] != (byte)'L' || elf[3] != (byte)'F')
            throw new GoPluginLoadException(GoPluginLoadError.NotElf, path, $"'{path}' is not a shared object (no ELF header)");
        if (elf[4] != 2 || elf[5] != 1)
            throw new GoPluginLoadException(GoPluginLoadError.WrongArchitecture, path, $"'{path}' is not a 64-bit little-endian ELF file");
        ushort type = BinaryPrimitives.ReadUInt16LittleEndian(elf[0x10..]);
        ushort machine = BinaryPrimitives.ReadUInt16LittleEndian(elf[0x12..]);
        if (type != ET_DYN)
            throw new GoPluginLoadException(GoPluginLoadError.NotSharedObject, path, $"'{path}' is an ELF file but not a shared object (build it with go build -buildmode=c-shared)");
        if (machine != EM_X86_64)
            throw new GoPluginLoadException(GoPluginLoadError.WrongArchitecture, path, $"'{path}' is built for ELF machine {machine}, not x86-64");

        try
        {
            return ReadDynamicSymbols(elf);
        }
        catch (Exception ex) when (ex is ArgumentOutOfRangeException or IndexOutOfRangeException or OverflowException)
        {
            throw new GoPluginLoadException(GoPluginLoadError.NotElf, path, $"'{path}' has a damaged ELF section table");
        }
    }

    private static HashSet<string> ReadDynamicSymbols(ReadOnlySpan<byte> elf)
    {
        long sectionOffset = (long)BinaryPrimitives.ReadUInt64LittleEndian(elf[0x28..]);
        int sectionSize = BinaryPrimitives.ReadUInt16LittleEndian(elf[0x3a..]);
        int sectionCount = BinaryPrimitives.ReadUInt16LittleEndian(elf[0x3c..]);
        var names = new HashSet<string>(StringComparer.Ordinal);
        for (int i = 0; i < sectionCount; i++)
        {
            var section = elf.Slice(checked((int)(sectionOffset + (long)i * sectionSize)), 64);
            if (BinaryPrimitives.ReadUInt32LittleEndian(section[4..]) != SHT_DYNSYM) continue;
            long offset = (long)BinaryPrimitives.ReadUInt64LittleEndian(section[0x18..]);
            long size = (long)BinaryPrimitives.ReadUInt64LittleEndian(section[0x20..]);
            int link = (int)BinaryPrimitives.ReadUInt32LittleEndian(section[0x28..]);
            long entrySize = Math.Max(24L, (long)BinaryPrimitives.ReadUInt64LittleEndian(section[0x38..]));
            var strings = elf.Slice(checked((int)(sectionOffset + (long)link * sectionSize)), 64);
            long stringsOffset = (long)BinaryPrimitives.ReadUInt64LittleEndian(strings[0x18..]);
            for (long entry = offset; entry + 24 <= offset + size; entry += entrySize)
            {
                var symbol = elf.Slice(checked((int)entry), 24);
                ushort sectionIndex = BinaryPrimitives.ReadUInt16LittleEndian(symbol[6..]);
                if (sectionIndex == 0) continue; // undefined: imported, not exported
                uint nameOffset = BinaryPrimitives.ReadUInt32LittleEndian(symbol);
                var name = elf[checked((int)(stringsOffset + nameOffset))..];
                int end = name.IndexOf((byte)0);
                names.Add(Encoding.UTF8.GetString(end < 0 ? name : name[..end]));
            }
        }
        return names;
    }
}

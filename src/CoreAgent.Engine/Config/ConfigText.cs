using System.Buffers;
using System.Text;
using System.Text.Unicode;
using CoreAgent.Engine.Plugins.Properties;

namespace CoreAgent.Engine.Config;

/// <summary>
/// One configuration file read into lines: decodes BOMs and bad UTF-8, splits at '\n' and drops one
/// '\r' before it (as Fluent Bit does), and reports unreadable, huge or binary files as findings.
/// </summary>
internal sealed class ConfigText
{
    private ConfigText(string fullPath, string text)
    {
        FullPath = fullPath;
        Text = text;
        Lines = SplitLines(text);
    }

    public string FullPath { get; }

    /// <summary>The decoded text, without a byte order mark.</summary>
    public string Text { get; }

    /// <summary>The lines without their terminators; Lines[0] is line 1.</summary>
    public string[] Lines { get; }

    public string Directory => Path.GetDirectoryName(FullPath) ?? ".";

    /// <summary>
    /// Reads a file. On failure reports <paramref name="missingCode"/> (or another file code) at
    /// <paramref name="from"/> (the include line), or at the file itself, and returns null.
    /// </summary>
    public static ConfigText? Load(string fullPath, FindingCollector findings, ConfigLoadOptions options,
        SourceLocation? from, string missingCode, string what)
    {
        var reportFile = from?.File ?? fullPath;
        var reportLine = from?.Line ?? 0;
        byte[] bytes;
        try
        {
            if (System.IO.Directory.Exists(fullPath))
            {
                findings.Add(FindingCodes.FileUnreadable, $"{what} '{fullPath}' is a directory, not a file", reportFile, reportLine);
                return null;
            }
            var info = new FileInfo(fullPath);
            if (!info.Exists)
            {
                findings.Add(missingCode, $"{what} '{fullPath}' does not exist", reportFile, reportLine);
                return null;
            }
            if (info.Length > options.MaxFileBytes)
            {
                findings.Add(FindingCodes.FileTooLarge,
                    $"{what} '{fullPath}' is {info.Length} bytes, more than the {options.MaxFileBytes} bytes a configuration file may have; it is not read",
                    reportFile, reportLine);
                return null;
            }
            bytes = ReadBounded(fullPath, options.MaxFileBytes);
            if (bytes.Length > options.MaxFileBytes)
            {
                findings.Add(FindingCodes.FileTooLarge,
                    $"{what} '{fullPath}' has more than the {options.MaxFileBytes} bytes a configuration file may have; it is not read",
                    reportFile, reportLine);
                return null;
            }
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or System.Security.SecurityException or NotSupportedException or ArgumentException)
        {
            findings.Add(FindingCodes.FileUnreadable, $"{what} '{fullPath}' cannot be read: {ex.Message}", reportFile, reportLine);
            return null;
        }

        var text = Decode(bytes, fullPath, findings);
        var result = new ConfigText(fullPath, text);
        var nul = text.IndexOf('\0');
        if (nul >= 0)
            findings.Add(FindingCodes.BinaryContent,
                "the file contains NUL bytes, so it is not a text configuration file (first one on this line)",
                fullPath, LineOf(text, nul));
        return result;
    }

    /// <summary>Reads at most limit + 1 bytes, so that a device such as /dev/zero cannot hang the reader.</summary>
    private static byte[] ReadBounded(string path, long limit)
    {
        using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete, 1, FileOptions.SequentialScan);
        var output = new MemoryStream();
        var buffer = new byte[81920];
        int read;
        while ((read = stream.Read(buffer, 0, buffer.Length)) > 0)
        {
            output.Write(buffer, 0, read);
            if (output.Length > limit) break;
        }
        return output.ToArray();
    }

    /// <summary>The 1-based line of a character offset.</summary>
    public static int LineOf(string text, int offset)
    {
        var line = 1;
        for (var i = 0; i < offset && i < text.Length; i++)
            if (text[i] == '\n') line++;
        return line;
    }

    private static string Decode(byte[] bytes, string file, FindingCollector findings)
    {
        ReadOnlySpan<byte> span = bytes;
        if (span.StartsWith(new byte[] { 0xEF, 0xBB, 0xBF }))
        {
            findings.Add(FindingCodes.ByteOrderMark,
                "the file starts with a UTF-8 byte order mark; CoreAgent skips it, but Fluent Bit reads it as part of the first line",
                file, 1);
            return DecodeUtf8(bytes.AsSpan(3), file, findings, 3);
        }
        Encoding? wide = null;
        var bomLength = 0;
        if (span.StartsWith(new byte[] { 0xFF, 0xFE, 0, 0 })) { wide = new UTF32Encoding(false, false, false); bomLength = 4; }
        else if (span.StartsWith(new byte[] { 0, 0, 0xFE, 0xFF })) { wide = new UTF32Encoding(true, false, false); bomLength = 4; }
        else if (span.StartsWith(new byte[] { 0xFF, 0xFE })) { wide = new UnicodeEncoding(false, false, false); bomLength = 2; }
        else if (span.StartsWith(new byte[] { 0xFE, 0xFF })) { wide = new UnicodeEncoding(true, false, false); bomLength = 2; }
        if (wide is not null)
        {
            findings.Add(FindingCodes.ByteOrderMark,
                $"the file is {wide.WebName.ToUpperInvariant()}; CoreAgent reads it, but Fluent Bit only reads UTF-8 (save it as UTF-8 without a BOM)",
                file, 1);
            return wide.GetString(bytes, bomLength, bytes.Length - bomLength);
        }
        return DecodeUtf8(bytes, file, findings, 0);
    }

    private static string DecodeUtf8(ReadOnlySpan<byte> bytes, string file, FindingCollector findings, int skipped)
    {
        var chars = ArrayPool<char>.Shared.Rent(Math.Max(1, bytes.Length));
        try
        {
            var status = Utf8.ToUtf16(bytes, chars, out var read, out _, replaceInvalidSequences: false);
            if (status != OperationStatus.Done)
            {
                var line = 1;
                foreach (var b in bytes[..read]) if (b == (byte)'\n') line++;
                findings.Add(FindingCodes.InvalidUtf8,
                    $"the file is not valid UTF-8 (byte offset {read + skipped}); invalid bytes are read as U+FFFD",
                    file, line);
            }
        }
        finally
        {
            ArrayPool<char>.Shared.Return(chars);
        }
        return Encoding.UTF8.GetString(bytes);
    }

    private static string[] SplitLines(string text)
    {
        if (text.Length == 0) return [];
        var parts = text.Split('\n');
        var count = text.EndsWith('\n') ? parts.Length - 1 : parts.Length;
        var lines = new string[count];
        for (var i = 0; i < count; i++)
        {
            var line = parts[i];
            lines[i] = line.EndsWith('\r') ? line[..^1] : line;
        }
        return lines;
    }
}

using System.Runtime.InteropServices;
using System.Text;
using Microsoft.Win32.SafeHandles;

namespace CoreAgent.Engine.Storage;

/// <summary>
/// One chunk's file, open for appending: records as the input writes them, then a Delivered block
/// per output that finishes it. Deleted when every output is done, kept when a stop leaves work
/// for the next start. Each append is one positioned gather write (pwritev), so a killed process
/// leaves whole blocks and at most one torn block at the end.
/// </summary>
public sealed class ChunkFile
{
    private readonly object _gate = new();
    private readonly SafeFileHandle _handle;
    private readonly bool _checksum;
    private readonly StorageSync _sync;
    private readonly byte[] _head = new byte[ChunkFileFormat.BlockHeadSize];
    private long _length;
    private bool _closed;
    private bool _keep;

    private ChunkFile(string path, SafeFileHandle handle, long length, bool checksum, StorageSync sync)
    {
        Path = path;
        _handle = handle;
        _length = length;
        _checksum = checksum;
        _sync = sync;
    }

    public string Path { get; }

    /// <summary>Bytes in the file.</summary>
    public long Length
    {
        get { lock (_gate) return _length; }
    }

    /// <summary>Creates a new chunk file with its header.</summary>
    public static ChunkFile Create(string path, string tag, string input, bool checksum, StorageSync sync)
    {
        var handle = File.OpenHandle(path, FileMode.CreateNew, FileAccess.ReadWrite, FileShare.Read | FileShare.Delete);
        try
        {
            long created = (DateTime.UtcNow - DateTime.UnixEpoch).Ticks * 100;
            var header = ChunkFileFormat.EncodeHeader(tag, input, checksum, created);
            RandomAccess.Write(handle, header, 0);
            var file = new ChunkFile(path, handle, header.Length, checksum, sync);
            file.SyncIfFull();
            return file;
        }
        catch
        {
            handle.Dispose();
            try { File.Delete(path); } catch (IOException) { }
            throw;
        }
    }

    /// <summary>Opens a recovered, valid file to append Delivered blocks to it.</summary>
    public static ChunkFile OpenExisting(string path, long validLength, bool checksum, StorageSync sync)
    {
        var handle = File.OpenHandle(path, FileMode.Open, FileAccess.ReadWrite, FileShare.Read | FileShare.Delete);
        return new ChunkFile(path, handle, validLength, checksum, sync);
    }

    /// <summary>Appends events; returns once they are in the file (and on disk, with storage.sync full).</summary>
    public void AppendRecords(ReadOnlyMemory<byte> events, int records) => Append(ChunkBlockKind.Records, events, records);

    /// <summary>Notes that an output is done with the chunk, so a restart does not deliver it there again.</summary>
    public void MarkDelivered(string output) => Append(ChunkBlockKind.Delivered, Encoding.UTF8.GetBytes(output), 0);

    private void Append(ChunkBlockKind kind, ReadOnlyMemory<byte> payload, int records)
    {
        lock (_gate)
        {
            if (_closed) throw new ObjectDisposedException(Path);
            ChunkFileFormat.EncodeBlockHead(_head, kind, payload.Span, records, _checksum);
            RandomAccess.Write(_handle, [(ReadOnlyMemory<byte>)_head, payload], _length);
            _length += ChunkFileFormat.BlockHeadSize + payload.Length;
            SyncIfFull();
        }
    }

    /// <summary>A stop leaves this chunk for the next start: it is closed, not deleted.</summary>
    public void Keep()
    {
        lock (_gate) _keep = true;
    }

    /// <summary>The last holder released the chunk: delete the file unless it is kept.</summary>
    public void Finish()
    {
        lock (_gate)
        {
            if (_closed) return;
            _closed = true;
            _handle.Dispose();
            if (_keep) return;
            try { File.Delete(Path); }
            catch (IOException) { /* it is delivered again after a restart: at-least-once */ }
            catch (UnauthorizedAccessException) { }
        }
    }

    /// <summary>Closes without deleting (a failed write, a stop).</summary>
    public void Close()
    {
        lock (_gate)
        {
            if (_closed) return;
            _closed = true;
            _handle.Dispose();
        }
    }

    private void SyncIfFull()
    {
        if (_sync != StorageSync.Full) return;
        bool added = false;
        try
        {
            _handle.DangerousAddRef(ref added);
            if (fsync((int)_handle.DangerousGetHandle()) != 0)
                throw new IOException($"fsync of {Path} failed (errno {Marshal.GetLastPInvokeError()})");
        }
        finally
        {
            if (added) _handle.DangerousRelease();
        }
    }

    [DllImport("libc", SetLastError = true)]
    private static extern int fsync(int fd);
}

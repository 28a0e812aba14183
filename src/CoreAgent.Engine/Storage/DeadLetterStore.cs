using System.Text;
using CoreAgent.Engine.Logging;

namespace CoreAgent.Engine.Storage;

/// <summary>
/// The dead letter queue (storage.keep.rejected): a chunk an output rejects (FLB_ERROR) or gives
/// up on is written to storage.path/&lt;storage.rejected.path&gt;/&lt;tag&gt;_&lt;reason&gt;_&lt;output&gt;_&lt;id&gt;.chunk,
/// a chunk file with one Rejected block naming the output and why. Past storage.rejected.limit new
/// rejected chunks are skipped with a warning, as Fluent Bit does.
/// </summary>
public sealed class DeadLetterStore(ChunkStore store, AgentLog log)
{
    private readonly object _gate = new();
    private long _bytes;
    private long _kept;
    private bool _limitWarned;

    public string Folder => Path.Combine(store.Root, ChunkStore.SafeName(store.Settings.RejectedPath));

    /// <summary>Chunks kept by this pipeline.</summary>
    public long Kept => Interlocked.Read(ref _kept);

    internal void Open()
    {
        if (!store.Settings.KeepRejected) return;
        Directory.CreateDirectory(Folder);
        _bytes = Directory.EnumerateFiles(Folder).Sum(f => new FileInfo(f).Length);
    }

    /// <summary>Keeps a rejected chunk; returns false (with a warning) when it is off, over its limit or the write fails.</summary>
    public bool Keep(string tag, ReadOnlyMemory<byte> events, int records, string output, string code, string reason)
    {
        if (!store.Settings.KeepRejected) return false;
        var name = $"{ChunkStore.SafeName(tag)}_{code}_{ChunkStore.SafeName(output)}_{ChunkStore.NewFileName()}";
        var header = ChunkFileFormat.EncodeHeader(tag, "", store.Settings.Checksum, (DateTime.UtcNow - DateTime.UnixEpoch).Ticks * 100);
        var rejected = ChunkFileFormat.EncodeBlock(ChunkBlockKind.Rejected, Encoding.UTF8.GetBytes($"{output}\0{reason}"), 0, store.Settings.Checksum);
        var body = ChunkFileFormat.EncodeBlock(ChunkBlockKind.Records, events.Span, records, store.Settings.Checksum);
        long size = header.Length + rejected.Length + body.Length;
        lock (_gate)
        {
            if (store.Settings.RejectedLimit is { } limit && _bytes + size > limit)
            {
                if (!_limitWarned) log.Warn("storage", $"dead letter queue {Folder} is at storage.rejected.limit ({limit} bytes): rejected chunks are not kept until it has room");
                _limitWarned = true;
                return false;
            }
            _limitWarned = false;
            _bytes += size;
        }
        try
        {
            Directory.CreateDirectory(Folder);
            using var file = new FileStream(Path.Combine(Folder, name), FileMode.CreateNew, FileAccess.Write, FileShare.Read, 1);
            file.Write(header);
            file.Write(rejected);
            file.Write(body);
            file.Flush(store.Settings.Sync == StorageSync.Full);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            lock (_gate) _bytes -= size;
            log.Warn("storage", $"rejected chunk '{tag}' of {output} could not be kept in {Folder}: {ex.Message}");
            return false;
        }
        Interlocked.Increment(ref _kept);
        return true;
    }
}

/// <summary>One record of the dead letter queue.</summary>
public sealed record RejectedRecord(string Tag, Records.EventSlice Event, string Output, string Reason, string File);

/// <summary>Reads the dead letter queue back (Get-AgentRejectedRecord).</summary>
public static class DeadLetterReader
{
    /// <summary>
    /// Every record of every rejected chunk under <paramref name="storagePath"/>, oldest file first.
    /// A damaged file gives the records before its damage and a call to <paramref name="warn"/>.
    /// </summary>
    public static IEnumerable<RejectedRecord> Read(string storagePath, string rejectedPath, Action<string> warn)
    {
        var folder = Path.Combine(storagePath, ChunkStore.SafeName(rejectedPath));
        if (!Directory.Exists(folder)) throw new DirectoryNotFoundException($"no dead letter queue at {folder}");
        // Files are named <tag>_<code>_<output>_<time>-...: order by the time part.
        var files = Directory.EnumerateFiles(folder).OrderBy(f => TimeKey(Path.GetFileName(f)), StringComparer.Ordinal).ToList();
        foreach (var path in files)
        {
            var contents = ChunkFileReader.Read(path);
            if (contents.IsDamaged) warn($"rejected chunk file {path} {contents.Damage}; {contents.RecordCount} records before the damage are returned");
            if (contents.RecordCount == 0) continue;
            List<Records.EventSlice> events;
            try { events = Records.EventReader.ReadAll(contents.Records); }
            catch (FormatException ex)
            {
                warn($"rejected chunk file {path} holds events CoreAgent cannot read: {ex.Message}");
                continue;
            }
            foreach (var e in events)
                yield return new RejectedRecord(contents.Tag ?? "", e, contents.RejectedBy ?? "", contents.RejectedReason ?? "", path);
        }
    }

    private static string TimeKey(string name)
    {
        int end = name.LastIndexOf('-');
        end = end > 0 ? name.LastIndexOf('-', end - 1) : -1;
        int start = end > 0 ? name.LastIndexOf('_', end) : -1;
        return start >= 0 ? name[(start + 1)..] : name;
    }
}

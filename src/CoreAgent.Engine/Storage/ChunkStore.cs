using CoreAgent.Engine.Logging;

namespace CoreAgent.Engine.Storage;

/// <summary>A chunk file left by an earlier run, valid (or repaired), to deliver before new records.</summary>
public sealed record RecoveredChunk(string Tag, string Input, byte[] Records, int RecordCount, IReadOnlySet<string> Delivered, ChunkFile? File);

/// <summary>
/// A pipeline's storage.path: one folder per filesystem input holding one file per chunk
/// (storage.path/&lt;input&gt;/&lt;time&gt;-&lt;pid&gt;-&lt;n&gt;.chunk), the quarantine for damaged files and
/// the dead letter folder. A lock file keeps two pipelines from sharing the folder.
/// </summary>
public sealed class ChunkStore : IDisposable
{
    private static long _sequence;
    private readonly AgentLog _log;
    private FileStream? _lock;
    private long _chunksUp;
    private long _quarantined;

    public ChunkStore(StorageSettings settings, AgentLog log)
    {
        Settings = settings;
        Root = System.IO.Path.GetFullPath(settings.Path ?? throw new ArgumentException("storage.path is not set"));
        _log = log;
        DeadLetters = new DeadLetterStore(this, log);
    }

    public StorageSettings Settings { get; }
    public string Root { get; }
    public string QuarantinePath => System.IO.Path.Combine(Root, StorageSettings.QuarantineFolder);
    public DeadLetterStore DeadLetters { get; }

    /// <summary>Chunks of filesystem inputs in memory now (bounded by storage.max_chunks_up).</summary>
    public long ChunksUp => Interlocked.Read(ref _chunksUp);

    /// <summary>Files moved to the quarantine by this pipeline.</summary>
    public long Quarantined => Interlocked.Read(ref _quarantined);

    public bool OverChunksUp => ChunksUp >= Settings.MaxChunksUp;

    internal void ChunkUp() => Interlocked.Increment(ref _chunksUp);
    internal void ChunkDown() => Interlocked.Decrement(ref _chunksUp);

    /// <summary>Creates the folder and takes its lock; throws <see cref="StorageException"/> when it cannot.</summary>
    public void Open()
    {
        try
        {
            Directory.CreateDirectory(Root);
            _lock = new FileStream(System.IO.Path.Combine(Root, ".lock"), FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None);
        }
        catch (IOException ex)
        {
            throw new StorageException($"storage.path '{Root}' cannot be used: {ex.Message} (another pipeline or process may be using it)", ex);
        }
        catch (UnauthorizedAccessException ex)
        {
            throw new StorageException($"storage.path '{Root}' cannot be used: {ex.Message}", ex);
        }
        DeadLetters.Open();
    }

    public string InputFolder(string input) => System.IO.Path.Combine(Root, SafeName(input));

    /// <summary>Creates the file of a new chunk of <paramref name="input"/>.</summary>
    public ChunkFile CreateFile(string input, string tag)
    {
        var folder = InputFolder(input);
        Directory.CreateDirectory(folder);
        return ChunkFile.Create(System.IO.Path.Combine(folder, NewFileName()), tag, input, Settings.Checksum, Settings.Sync);
    }

    internal static string NewFileName()
    {
        long ns = (DateTime.UtcNow - DateTime.UnixEpoch).Ticks * 100;
        return $"{ns:D19}-{Environment.ProcessId}-{Interlocked.Increment(ref _sequence)}{ChunkFileFormat.Extension}";
    }

    /// <summary>
    /// Lists the chunks left in every input folder, oldest first. A damaged file is moved to the
    /// quarantine with a warning naming it; the records before the damage go into a new file and are
    /// recovered. A valid file with no records left is deleted. Never throws for a file's content.
    /// </summary>
    public List<RecoveredChunk> Recover()
    {
        var recovered = new List<RecoveredChunk>();
        foreach (var folder in Directory.EnumerateDirectories(Root).Order(StringComparer.Ordinal))
        {
            string name = System.IO.Path.GetFileName(folder);
            if (name == StorageSettings.QuarantineFolder || name == SafeName(Settings.RejectedPath)) continue;
            foreach (var path in Directory.EnumerateFiles(folder).Order(StringComparer.Ordinal))
            {
                try
                {
                    if (RecoverOne(path) is { } chunk) recovered.Add(chunk);
                }
                catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
                {
                    _log.Warn("storage", $"chunk file {path} cannot be recovered: {ex.Message}; it is left in place");
                }
            }
        }
        return recovered;
    }

    private RecoveredChunk? RecoverOne(string path)
    {
        var contents = ChunkFileReader.Read(path);
        if (!contents.IsDamaged && !path.EndsWith(ChunkFileFormat.Extension, StringComparison.Ordinal))
            contents = new ChunkFileContents { Path = path, Damage = "does not end in .chunk" };
        if (!contents.IsDamaged)
        {
            if (contents.RecordCount == 0)
            {
                File.Delete(path); // the input had not written into it yet
                return null;
            }
            var file = ChunkFile.OpenExisting(path, contents.ValidLength, Settings.Checksum, Settings.Sync);
            return new RecoveredChunk(contents.Tag!, contents.Input!, contents.Records, contents.RecordCount, contents.Delivered, file);
        }

        RecoveredChunk? prefix = null;
        string? unsaved = null;
        if (contents.HasHeader && contents.RecordCount > 0)
        {
            // The valid records go into a new file before the damaged one is moved away: a crash in
            // between delivers them twice, never not at all.
            ChunkFile? repaired = null;
            try
            {
                repaired = CreateFile(contents.Input!, contents.Tag!);
                repaired.AppendRecords(contents.Records, contents.RecordCount);
                foreach (var output in contents.Delivered) repaired.MarkDelivered(output);
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
            {
                // A full disk: the records are delivered from memory; until then the quarantined file is their only copy.
                if (repaired is not null) { repaired.Keep(); repaired.Finish(); TryDelete(repaired.Path); }
                repaired = null;
                unsaved = ex.Message;
            }
            prefix = new RecoveredChunk(contents.Tag!, contents.Input!, contents.Records, contents.RecordCount, contents.Delivered, repaired);
        }
        string moved = Quarantine(path);
        Interlocked.Increment(ref _quarantined);
        _log.Warn("storage", $"chunk file {path} {contents.Damage}: moved to {moved}" +
            (prefix is null ? "; nothing in it could be recovered" : $"; the {prefix.RecordCount} records before the damage are delivered") +
            (unsaved is null ? "" : $" from memory (a new chunk file could not be written: {unsaved})"));
        return prefix;
    }

    private static void TryDelete(string path)
    {
        try { File.Delete(path); } catch (IOException) { } catch (UnauthorizedAccessException) { }
    }

    private string Quarantine(string path)
    {
        var folder = System.IO.Path.Combine(QuarantinePath, System.IO.Path.GetFileName(System.IO.Path.GetDirectoryName(path)!));
        Directory.CreateDirectory(folder);
        var target = System.IO.Path.Combine(folder, System.IO.Path.GetFileName(path));
        for (int n = 1; File.Exists(target); n++) target = System.IO.Path.Combine(folder, $"{System.IO.Path.GetFileName(path)}.{n}");
        File.Move(path, target);
        return target;
    }

    /// <summary>A folder name for an instance or tag: path separators and other unsafe characters become '_'.</summary>
    public static string SafeName(string name)
    {
        var chars = name.ToCharArray();
        for (int i = 0; i < chars.Length; i++)
        {
            char c = chars[i];
            if (!(char.IsLetterOrDigit(c) || c is '.' or '-' or '_')) chars[i] = '_';
        }
        var safe = new string(chars);
        return safe is "" or "." or ".." ? "_" + safe : safe;
    }

    public void Dispose()
    {
        _lock?.Dispose();
        _lock = null;
    }
}

/// <summary>storage.path cannot be used, or a chunk could not be written.</summary>
public sealed class StorageException(string message, Exception? inner = null) : IOException(message, inner);

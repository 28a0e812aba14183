using System.Buffers;
using System.Diagnostics;
using CoreAgent.Engine.Logging;
using CoreAgent.Engine.Native;
using CoreAgent.Engine.Parsers;
using CoreAgent.Engine.Parsers.Multiline;
using CoreAgent.Engine.Pipeline;
using CoreAgent.Engine.Plugins.Properties;
using CoreAgent.Engine.Records;

namespace CoreAgent.Engine.Plugins.Inputs.Tail;

/// <summary>
/// The tail input: follows files matched by globs, one record per line, as Fluent Bit's in_tail.
/// One thread does everything: reads (woken by inotify, or polling), a stat check of every file
/// each 250 ms (truncation, rename = rotation, deletion), a rescan of Path each Refresh_Interval,
/// and the offsets DB. A read's lines go into the engine's chunk first; only then does the file's
/// resumable offset move and reach the DB, so a restart repeats nothing that was delivered and
/// skips nothing that was not (at least once; exactly once when the pipeline stops cleanly).
/// </summary>
public sealed class TailInput : IInputPlugin, IDisposable
{
    public static PluginDescriptor Descriptor { get; } = new()
    {
        Name = "tail",
        Description = "Tail files",
        Type = PluginType.Input,
        CreateInput = () => new TailInput(),
        Properties = TailSettings.Properties,
    };

    private static readonly TimeSpan CheckInterval = TimeSpan.FromMilliseconds(250);
    private static readonly TimeSpan SealInterval = TimeSpan.FromMilliseconds(250);
    private const long PassBudget = 4 * 1024 * 1024; // bytes read from one file before the others get a turn

    private readonly List<TailFile> _files = [];
    private readonly HashSet<(ulong Device, ulong Inode)> _tracked = [];
    private InputContext _context = null!;
    private TailSettings _settings = null!;
    private TailFileOptions _fileOptions = null!;
    private TailScanner _scanner = null!;
    private TailRecord _record = null!;
    private TailDatabase? _db;
    private TailWatcher? _watcher;
    private TaggedEmitter _emitter = null!;
    private string _name = "";
    private byte[] _scratch = new byte[64 * 1024];
    private Parser? _parser;
    private IReadOnlyList<MultilineParser>? _multiline;
    private Parser? _dockerFirstLine; // Docker_Mode_Parser
    private bool _dockerMode;
    private readonly Stopwatch _clock = new(); // monotonic time for Docker_Mode_Flush
    private readonly ArrayBufferWriter<byte> _parsed = new(64 * 1024);
    private readonly HashSet<TailFile> _staticFiles = []; // Exit_On_Eof: files of the first scan not yet read to their end
    private bool _stopRequested;

    /// <summary>Files monitored now (tests and diagnostics).</summary>
    public IReadOnlyList<TailFile> Files => _files;

    public void Init(InputContext context)
    {
        if (!UnixFiles.IsSupported)
            throw new PluginException("tail: this platform is not supported yet (the input needs Linux on x86-64 or arm64)");
        _context = context;
        _name = context.InstanceName;
        _settings = TailSettings.From(context);
        if (_settings.Parser is { } parserName)
            _parser = context.Parsers.Find(parserName)
                ?? throw new PropertyException("parser", $"parser '{parserName}' is not registered (known parsers: {context.Parsers.KnownNames})");
        if (_settings.MultilineParsers.Count > 0)
        {
            try { _multiline = context.Parsers.Multiline.Resolve(string.Join(",", _settings.MultilineParsers)); }
            catch (KeyNotFoundException ex) { throw new PropertyException("multiline.parser", ex.Message); }
            if (_parser is not null)
            {
                context.Log.Warn(_name, "on multiline mode 'Parser' is not used: multiline.parser parses the lines (parser disabled)");
                _parser = null;
            }
        }
        if (_settings.DockerMode)
        {
            if (_multiline is not null)
            {
                // Fluent Bit lets multiline.parser take the lines and never uses Docker_Mode then; say so.
                context.Log.Warn(_name, "Docker_Mode is not used: multiline.parser takes the lines (use multiline.parser docker to join Docker's split lines)");
            }
            else
            {
                _dockerMode = true;
                if (_settings.DockerModeParser is { } firstLine)
                    _dockerFirstLine = context.Parsers.Find(firstLine)
                        ?? throw new PropertyException("docker_mode_parser", $"parser '{firstLine}' is not registered (known parsers: {context.Parsers.KnownNames})");
            }
        }
        else if (_settings.DockerModeParser is not null)
            context.Log.Warn(_name, "Docker_Mode_Parser is not used: Docker_Mode is off");
        _fileOptions = new TailFileOptions(_settings.BufferChunkSize, _settings.BufferMaxSize, _settings.SkipLongLines, _settings.SkipEmptyLines);
        _scanner = new TailScanner(_settings.Paths, _settings.Excludes, _settings.IgnoreOlder);
        _record = new TailRecord(_settings.Key, _settings.PathKey, _settings.OffsetKey);
        _emitter = new TaggedEmitter(context.Emitter);
        if (_settings.DbPath is { } dbPath)
        {
            try { _db = new TailDatabase(dbPath, _settings.DbSync, _settings.DbLocking, _settings.DbJournalMode); }
            catch (SqliteException ex) { throw new PluginException($"tail: could not open/create database: {ex.Message}", ex); }
        }
        _watcher = new TailWatcher(_settings.Inotify, context.Log, _name);
        foreach (var directory in _scanner.BaseDirectories) _watcher.Watch(directory);

        // The first scan: files already there start at their DB offset, else at the end (or the head with Read_from_Head).
        foreach (var (path, status) in _scanner.Scan()) Add(path, status, startup: true);
        if (_db is not null)
        {
            int stale = _db.DeleteStale(_files.Select(f => f.Inode).ToList());
            if (stale > 0) context.Log.Info(_name, $"db: {stale} stale file(s) deleted from database");
        }
    }

    public void Run(CancellationToken cancellation)
    {
        _clock.Start();
        var clock = _clock;
        var nextCheck = CheckInterval;
        var nextSeal = SealInterval;
        var nextScan = _settings.RefreshInterval;
        try
        {
            while (!cancellation.IsCancellationRequested)
            {
                try { Pass(clock, ref nextCheck, ref nextSeal, ref nextScan, cancellation); }
                catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or SqliteException)
                {
                    // One bad file or a DB error must not stop the input: say so and go on after a pause.
                    _context.Log.Error(_name, ex.Message);
                    cancellation.WaitHandle.WaitOne(TimeSpan.FromSeconds(1));
                }
            }
        }
        finally
        {
            foreach (var file in _files) FlushPending(file);
            _emitter.Seal();
            foreach (var file in _files) StoreOffset(file);
            Dispose();
        }
    }

    // One round: read what is there, then the timed checks, then wait when nothing was read.
    private void Pass(Stopwatch clock, ref TimeSpan nextCheck, ref TimeSpan nextSeal, ref TimeSpan nextScan, CancellationToken cancellation)
    {
        bool progressed = false;
        if (!_context.Emitter.IsPaused)
        {
            foreach (var file in _files.ToArray())
            {
                progressed |= ReadAvailable(file, PassBudget, cancellation) > 0;
                StoreOffset(file);
            }
        }
        var now = clock.Elapsed;
        if (now >= nextCheck)
        {
            CheckFiles();
            nextCheck = now + CheckInterval;
        }
        if (now >= nextScan)
        {
            Rescan();
            nextScan = now + _settings.RefreshInterval;
        }
        if (now >= nextSeal)
        {
            _emitter.Seal();
            nextSeal = now + SealInterval;
        }
        if (!progressed)
        {
            var wait = Min(nextCheck, nextSeal) - clock.Elapsed;
            if (_context.Emitter.IsPaused) wait = Min(wait, TimeSpan.FromMilliseconds(20));
            _watcher!.Wait(wait, cancellation);
        }
    }

    private static TimeSpan Min(TimeSpan a, TimeSpan b) => a < b ? a : b;

    // Reads what the file has, up to a budget, while the input is not paused. Returns the bytes read.
    private long ReadAvailable(TailFile file, long budget, CancellationToken cancellation)
    {
        long total = 0;
        bool truncationChecked = false;
        // Resuming after the end: make sure the bytes under the offset are still the ones read, before reading on from it.
        if (file.AtEnd && ContentReplaced(file)) ReadAgainFromHead(file);
        while (total < budget && !cancellation.IsCancellationRequested && !_context.Emitter.IsPaused)
        {
            long before = file.ReadOffset;
            TailReadResult result;
            string? warning;
            try { result = file.Read(out warning); }
            catch (IOException ex)
            {
                _context.Log.Error(_name, $"error reading {file.Name}: {ex.Message}");
                Remove(file, deleteFromDb: false);
                return total;
            }
            if (warning is not null) _context.Log.Warn(_name, warning);
            if (result == TailReadResult.LineTooLong)
            {
                _context.Log.Error(_name, $"file={file.Name} requires a larger buffer size, lines are too long. Skipping file.");
                Remove(file, deleteFromDb: false);
                return total;
            }
            if (result == TailReadResult.EndOfFile)
            {
                // At the end: a file now shorter than what was read was truncated; read it again from its head.
                if (truncationChecked || !CheckTruncated(file))
                {
                    ReachedEnd(file);
                    break;
                }
                truncationChecked = true;
                continue;
            }
            total += file.ReadOffset - before;
            if (file.Lines.Length > 0) Emit(file);
        }
        return total;
    }

    // Writes the lines of the file's last read into the engine's chunk. Each record gets the time
    // its line is handled (Fluent Bit's flb_time_get per line), unless the parser read one from it.
    private void Emit(TailFile file)
    {
        if (file.Multiline is { } stream)
        {
            // Lines go to the file's multiline stream; it writes whole records through EmitMultiline.
            foreach (ref readonly var line in file.Lines)
            {
                file.MultilinePendingFrom ??= line.Offset;
                file.MultilineCurrentLine = line.Offset;
                file.MultilineNextOffset = line.Offset + line.Length + 1;
                stream.AppendText(file.LineBytes(line), EventTime.Now());
            }
            file.MultilineCurrentLine = null;
            return;
        }
        if (file.Docker is { } docker)
        {
            // Fluent Bit reports a joined record at the offset its read began (the first line's here).
            long readStart = file.Lines[0].Offset;
            foreach (ref readonly var line in file.Lines)
            {
                var bytes = file.LineBytes(line);
                if (!docker.Append(bytes, line.Offset, readStart, _clock.Elapsed)) EmitLine(file, bytes, line.Offset);
            }
            return;
        }
        using var batch = _emitter.BeginBatch();
        foreach (ref readonly var line in file.Lines) WriteLine(batch, file, file.LineBytes(line), line.Offset);
    }

    // One line on its own (a Docker_Mode record, or a line Docker_Mode did not take).
    private void EmitLine(TailFile file, ReadOnlySpan<byte> bytes, long offset, bool joined = false)
    {
        using var batch = _emitter.BeginBatch();
        WriteLine(batch, file, bytes, offset, joined);
    }

    // One line into an open batch, parsed or raw. It gets the time it is handled unless the parser
    // read one; a joined Docker_Mode record parsed older than Ignore_Older is dropped, as Fluent Bit does.
    private void WriteLine(TaggedEmitter.Batch batch, TailFile file, ReadOnlySpan<byte> bytes, long offset, bool joined = false)
    {
        var pathPair = file.PathPair.AsSpan();
        if (_parser is not null && Parse(bytes, pathPair, offset, out var parsedTime) is var parsedLength and > 0)
        {
            if (joined && parsedTime is { } recordTime && _settings.IgnoreOlder > TimeSpan.Zero
                && recordTime.Seconds < DateTimeOffset.UtcNow.ToUnixTimeSeconds() - (long)_settings.IgnoreOlder.TotalSeconds)
                return;
            batch.Write(file.Tag, parsedTime ?? EventTime.Now(), EventEncoder.EmptyMap, _parsed.WrittenSpan[..parsedLength]);
            return;
        }
        EnsureScratch(_record.MaxSize(pathPair.Length, bytes.Length));
        int length = _record.Write(_scratch, pathPair, offset, bytes);
        batch.Write(file.Tag, EventTime.Now(), EventEncoder.EmptyMap, _scratch.AsSpan(0, length));
    }

    // What a file's multiline stream or Docker_Mode joiner still holds goes out (close, truncation, stop).
    private void FlushPending(TailFile file)
    {
        file.Multiline?.FlushAll();
        file.Docker?.Flush(file.CommittedOffset);
    }

    // Parses a line into _parsed: the parser's map, with Path_Key and Offset_Key appended (as Fluent
    // Bit's flb_tail_pack_line_map; the parser counts them in its header). Returns the body's
    // length, or 0 when the line does not parse.
    private int Parse(ReadOnlySpan<byte> line, ReadOnlySpan<byte> pathPair, long offset, out EventTime? time)
    {
        _parsed.ResetWrittenCount();
        if (!_parser!.TryParse(line, _parsed, _record.ExtraPairs, out time)) return 0;
        if (_record.ExtraPairs > 0)
            _parsed.Advance(_record.WriteExtraPairs(_parsed.GetSpan(_record.MaxSize(pathPair.Length, 0)), pathPair, offset));
        return _parsed.WrittenCount;
    }

    // A record from a file's multiline stream: its map with Path_Key and Offset_Key appended.
    private void EmitMultiline(TailFile file, EventTime time, ReadOnlySpan<byte> metadata, ReadOnlySpan<byte> body)
    {
        var (pairs, header) = TailRecord.ReadMapHeader(body);
        if (header == 0) return;
        var pathPair = file.PathPair.AsSpan();
        EnsureScratch(body.Length + 5 + pathPair.Length + 40);
        int n = TailRecord.WriteMapHeader(_scratch, pairs + _record.ExtraPairs);
        body[header..].CopyTo(_scratch.AsSpan(n));
        n += body.Length - header;
        n += _record.WriteExtraPairs(_scratch.AsSpan(n), pathPair, file.MultilineNextOffset);
        using (var batch = _emitter.BeginBatch()) batch.Write(file.Tag, time, metadata, _scratch.AsSpan(0, n));
        // What is still pending starts at the line being appended (when this flush came from one), else nothing is.
        file.MultilinePendingFrom = file.MultilineCurrentLine;
    }

    private void EnsureScratch(int size)
    {
        if (size > _scratch.Length) _scratch = new byte[Math.Max(size, _scratch.Length * 2)];
    }

    private bool CheckTruncated(TailFile file)
    {
        if (UnixFiles.FStat(file.Handle) is not { } status) return false;
        long previous = file.Size;
        file.Size = status.Size;
        if (status.Size >= file.ReadOffset) return false;
        _context.Log.Info(_name, $"inode={file.Inode} file truncated {file.Name} (diff: {status.Size - previous} bytes)");
        FlushPending(file); // what was pending belongs to the old content
        file.ResetToHead();
        StoreOffset(file, force: true);
        return true;
    }

    // Every 250 ms: truncation, content replaced under the offset, rename (rotation), deletion, and the end of Rotate_Wait.
    private void CheckFiles()
    {
        var now = DateTime.UtcNow;
        foreach (var file in _files.ToArray())
        {
            file.Multiline?.FlushExpired(); // records whose last line is older than the parser's flush_timeout
            file.Docker?.FlushExpired(_clock.Elapsed, file.CommittedOffset); // Docker_Mode_Flush passed without a new line
            if (UnixFiles.FStat(file.Handle) is not { } status)
            {
                _context.Log.Debug(_name, $"error stat(2) {file.Name}, removing");
                Remove(file, deleteFromDb: false);
                continue;
            }
            if (status.Size < file.ReadOffset) CheckTruncated(file);
            else if (ContentReplaced(file)) ReadAgainFromHead(file);
            file.Size = status.Size;
            if (status.Links == 0 && !file.Deleted)
            {
                _context.Log.Debug(_name, $"purge: monitored file has been deleted: {file.Name}");
                file.Deleted = true;
            }
            if (!file.Deleted && file.RotatedAt is null && UnixFiles.NameOf(file.Handle) is { } name
                && name != file.RealName && !name.EndsWith(" (deleted)", StringComparison.Ordinal))
                Rotated(file, name, now);
            if (file.RotatedAt is { } rotated)
            {
                LookForReplacement(file);
                if (now - rotated >= _settings.RotateWait) Purge(file, "rotated");
            }
            else if (file.Deleted && status.Size <= file.ReadOffset) Purge(file, "deleted");
        }
    }

    private void Rotated(TailFile file, string newName, DateTime now)
    {
        _context.Log.Info(_name, $"inode={file.Inode} handle rotation(): {file.Name} => {newName}");
        string oldName = file.Name;
        file.Name = newName;
        file.RealName = newName;
        file.RotatedAt = now;
        if (_db is not null && file.DbId > 0) _db.Rotate(file.DbId, newName);
        LookForReplacement(file, oldName);
    }

    // A rotated file's old name usually comes back as a new file (logrotate create): follow it from its head.
    private void LookForReplacement(TailFile file, string? oldName = null)
    {
        string path = oldName ?? file.Path;
        if (UnixFiles.Stat(path) is not { IsRegular: true } status) return;
        if (status.Inode == file.Inode || _tracked.Contains((status.Device, status.Inode)) || _scanner.IsExcluded(path)) return;
        Add(path, status, startup: false);
    }

    // Reads what is left (unless paused), then closes the file.
    private void Purge(TailFile file, string why)
    {
        if (!_context.Emitter.IsPaused) ReadAvailable(file, long.MaxValue, CancellationToken.None);
        if (file.Size > file.ReadOffset && _context.Emitter.IsPaused)
            _context.Log.Warn(_name, $"purged {why} file {file.Name} while data ingestion is paused, consider increasing rotate_wait");
        _context.Log.Debug(_name, $"inode={file.Inode} purge {why} file {file.Name} (offset={file.CommittedOffset} / size = {file.Size})");
        Remove(file, deleteFromDb: true);
    }

    private void ReadAgainFromHead(TailFile file)
    {
        _context.Log.Info(_name, $"inode={file.Inode} content of {file.Name} changed below the offset (truncated and rewritten); reading it again from the head");
        FlushPending(file); // what was pending belongs to the old content
        file.ResetToHead();
        StoreOffset(file, force: true);
    }

    private bool ContentReplaced(TailFile file)
    {
        if (file.MarkerOffset <= 0 || file.MarkerOffset > file.CommittedOffset) return false;
        var (marker, size) = file.MarkerAt(file.MarkerOffset);
        return size == file.MarkerSize && marker != file.Marker;
    }

    private void Rescan()
    {
        foreach (var (path, status) in _scanner.Scan())
        {
            if (!_tracked.Contains((status.Device, status.Inode))) Add(path, status, startup: false);
        }
    }

    private void Add(string path, FileStatus status, bool startup)
    {
        if (_tracked.Contains((status.Device, status.Inode))) return;
        var file = TailFile.Open(path, _fileOptions, out var error);
        if (file is null)
        {
            if (error is not null) _context.Log.Error(_name, error);
            return;
        }
        if (_settings.TagRegex is { } tagRegex)
        {
            if (TailTag.Compose(_context.Emitter.Tag, tagRegex, path, out var tagError) is not { } tag)
            {
                _context.Log.Error(_name, tagError!);
                _context.Log.Error(_name, $"failed to compose tag for file: {path}");
                file.Dispose();
                return;
            }
            file.Tag = tag;
        }
        else file.Tag = TailTag.Compose(_context.Emitter.Tag, path);
        if (_dockerMode) file.Docker = new DockerModeJoiner(_dockerFirstLine, _settings.DockerModeFlush, (line, offset) => EmitLine(file, line, offset, joined: true));
        if (_multiline is not null) file.Multiline = new MultilineStream(_multiline, (time, metadata, body) => EmitMultiline(file, time, metadata, body));
        file.PathPair = _record.PathPair(path);
        bool fromHead = startup ? _settings.ReadFromHead : _settings.ReadNewFilesFromHead;
        long offset = fromHead ? 0 : file.Size;
        if (_db is not null)
        {
            var entry = _db.Find(file.Inode, _settings.DbCompareFilename ? path : null);
            if (entry is null && _settings.DbCompareFilename && _db.Find(file.Inode) is { } sameInode) _db.Delete(sameInode.Id);
            if (entry is not null)
            {
                file.DbId = entry.Id;
                offset = entry.Offset;
                // An offset past the end, or other bytes under it than were read, means the file was truncated or replaced while we were away.
                if (offset > file.Size || (offset > 0 && entry.MarkerSize > 0 && file.MarkerAt(offset) != (entry.Marker, entry.MarkerSize)))
                {
                    _context.Log.Info(_name, $"inode={file.Inode} {path}: the DB offset {offset} no longer fits the file (size {file.Size}); reading from the head");
                    offset = 0;
                }
            }
        }
        file.SeekTo(offset);
        if (_db is not null)
        {
            var (marker, markerSize) = file.MarkerAt(offset);
            if (file.DbId == 0) file.DbId = _db.Insert(path, offset, file.Inode, marker, markerSize);
            else if (!_db.Update(file.DbId, offset, marker, markerSize)) file.DbId = _db.Insert(path, offset, file.Inode, marker, markerSize);
            file.StoredOffset = offset;
        }
        file.RememberMarker(offset);
        _files.Add(file);
        if (startup && _settings.ExitOnEof) _staticFiles.Add(file);
        _tracked.Add((file.Device, file.Inode));
        _watcher?.Watch(Path.GetDirectoryName(Path.GetFullPath(path)));
        _context.Log.Debug(_name, $"inode={file.Inode} with offset={offset} appended as {path}");
    }

    private void StoreOffset(TailFile file, bool force = false)
    {
        // Lines waiting in a multiline stream are not in a chunk yet: the stored offset stays before them.
        long offset = file.MultilinePendingFrom is { } pending ? Math.Min(pending, file.CommittedOffset) : file.CommittedOffset;
        if (file.Docker?.PendingFrom is { } dockerPending) offset = Math.Min(offset, dockerPending);
        if (!force && offset == file.StoredOffset) return;
        file.RememberMarker(offset);
        file.StoredOffset = offset;
        if (_db is null || file.DbId == 0) return;
        try
        {
            if (!_db.Update(file.DbId, offset, file.Marker, file.MarkerSize))
                file.DbId = _db.Insert(file.Name, offset, file.Inode, file.Marker, file.MarkerSize); // someone deleted the row: restore it
        }
        catch (SqliteException ex) { _context.Log.Error(_name, $"db: cannot store the offset of {file.Name}: {ex.Message}"); }
    }

    // Exit_On_Eof: a file found at start is at its end. When it is the last such file, the pipeline
    // stops (gracefully: what was read is delivered), as Fluent Bit's static collector does.
    private void ReachedEnd(TailFile file)
    {
        if (!_staticFiles.Remove(file)) return;
        _context.Log.Info(_name, $"inode={file.Inode} file={file.Name} ended, stop");
        if (_staticFiles.Count > 0 || _stopRequested) return;
        _stopRequested = true;
        _context.RequestStop();
    }

    private void Remove(TailFile file, bool deleteFromDb)
    {
        _staticFiles.Remove(file);
        FlushPending(file);
        _files.Remove(file);
        _tracked.Remove((file.Device, file.Inode));
        if (deleteFromDb && _db is not null && file.DbId > 0)
        {
            try { _db.Delete(file.DbId); }
            catch (SqliteException ex) { _context.Log.Error(_name, $"db: cannot delete the row of {file.Name}: {ex.Message}"); }
        }
        else StoreOffset(file);
        file.Dispose();
    }

    public void Dispose()
    {
        foreach (var file in _files) file.Dispose();
        _files.Clear();
        _tracked.Clear();
        _watcher?.Dispose();
        _watcher = null;
        _db?.Dispose();
        _db = null;
    }
}

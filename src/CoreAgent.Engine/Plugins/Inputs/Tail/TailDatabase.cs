using CoreAgent.Engine.Native;

namespace CoreAgent.Engine.Plugins.Inputs.Tail;

/// <summary>One file's row in the offsets database.</summary>
public sealed record TailDbEntry(long Id, string Name, long Offset, ulong Inode, ulong Marker, long MarkerSize);

/// <summary>
/// The offsets database: Fluent Bit's own SQLite schema and statements (table in_tail_files: id,
/// name, offset, inode, created, rotated, offset_marker, offset_marker_size), so a DB file written
/// by Fluent Bit's tail can be opened here and the other way round. Files are found by inode, as
/// Fluent Bit does unless DB.compare_filename is on. Used from the input's thread only.
/// </summary>
public sealed class TailDatabase : IDisposable
{
    private readonly SqliteDatabase _db;
    private readonly SqliteDatabase.Statement _find, _insert, _update, _rotate, _delete;

    /// <param name="sync">PRAGMA synchronous: 0 off, 1 normal, 2 full, 3 extra.</param>
    public TailDatabase(string path, int sync = 1, bool exclusiveLocking = false, string journalMode = "WAL")
    {
        _db = new SqliteDatabase(path);
        try
        {
            _db.Execute("CREATE TABLE IF NOT EXISTS in_tail_files (id INTEGER PRIMARY KEY, name TEXT NOT NULL, offset INTEGER, " +
                        "inode INTEGER, created INTEGER, rotated INTEGER DEFAULT 0, offset_marker INTEGER DEFAULT 0, offset_marker_size INTEGER DEFAULT 0);");
            AddColumnIfMissing("offset_marker");
            AddColumnIfMissing("offset_marker_size");
            _db.Execute($"PRAGMA synchronous={sync};");
            if (exclusiveLocking) _db.Execute("PRAGMA locking_mode=EXCLUSIVE;");
            _db.Execute($"PRAGMA journal_mode={journalMode};");
            _find = _db.Prepare("SELECT id, name, offset, inode, offset_marker, offset_marker_size FROM in_tail_files WHERE inode=@inode ORDER BY id DESC;");
            _insert = _db.Prepare("INSERT INTO in_tail_files (name, offset, inode, created, offset_marker, offset_marker_size) VALUES (@name, @offset, @inode, @created, @marker, @size);");
            _update = _db.Prepare("UPDATE in_tail_files SET offset=@offset, offset_marker=@marker, offset_marker_size=@size WHERE id=@id;");
            _rotate = _db.Prepare("UPDATE in_tail_files SET name=@name, rotated=1 WHERE id=@id;");
            _delete = _db.Prepare("DELETE FROM in_tail_files WHERE id=@id;");
        }
        catch
        {
            _db.Dispose();
            throw;
        }
    }

    public string Path => _db.Path;

    // A DB from an older Fluent Bit lacks the marker columns; Fluent Bit adds them the same way.
    private void AddColumnIfMissing(string column)
    {
        try { _db.Execute($"ALTER TABLE in_tail_files ADD COLUMN {column} INTEGER DEFAULT 0;"); }
        catch (SqliteException ex) when (ex.Message.Contains("duplicate column name", StringComparison.Ordinal)) { }
    }

    /// <summary>The newest row for an inode (and, when <paramref name="name"/> is given, that name too).</summary>
    public TailDbEntry? Find(ulong inode, string? name = null)
    {
        try
        {
            _find.Bind(1, (long)inode);
            while (_find.Step())
            {
                var entry = new TailDbEntry(_find.Int64(0), _find.Text(1) ?? "", _find.Int64(2), (ulong)_find.Int64(3), (ulong)_find.Int64(4), _find.Int64(5));
                if (name is null || entry.Name == name) return entry;
            }
            return null;
        }
        finally { _find.Reset(); }
    }

    public long Insert(string name, long offset, ulong inode, ulong marker, long markerSize)
    {
        _insert.Bind(1, name).Bind(2, offset).Bind(3, (long)inode).Bind(4, DateTimeOffset.UtcNow.ToUnixTimeSeconds())
            .Bind(5, (long)marker).Bind(6, markerSize);
        _insert.Run();
        return _db.LastInsertRowId;
    }

    /// <summary>Stores a file's offset; returns false when the row is gone (someone deleted it) so the caller re-inserts.</summary>
    public bool Update(long id, long offset, ulong marker, long markerSize)
    {
        _update.Bind(1, offset).Bind(2, (long)marker).Bind(3, markerSize).Bind(4, id);
        _update.Run();
        return _db.Changes > 0;
    }

    public void Rotate(long id, string newName)
    {
        _rotate.Bind(1, newName).Bind(2, id);
        _rotate.Run();
    }

    public void Delete(long id)
    {
        _delete.Bind(1, id);
        _delete.Run();
    }

    /// <summary>Removes the rows of files that are no longer monitored (Fluent Bit does this after the first scan).</summary>
    public int DeleteStale(IReadOnlyCollection<ulong> monitoredInodes)
    {
        var stale = new List<long>();
        using (var all = _db.Prepare("SELECT id, inode FROM in_tail_files;"))
        {
            var keep = monitoredInodes.ToHashSet();
            while (all.Step())
            {
                if (!keep.Contains((ulong)all.Int64(1))) stale.Add(all.Int64(0));
            }
        }
        foreach (var id in stale) Delete(id);
        return stale.Count;
    }

    /// <summary>Every row, for tests and diagnostics.</summary>
    public List<TailDbEntry> All()
    {
        var rows = new List<TailDbEntry>();
        using var all = _db.Prepare("SELECT id, name, offset, inode, offset_marker, offset_marker_size FROM in_tail_files ORDER BY id;");
        while (all.Step())
            rows.Add(new TailDbEntry(all.Int64(0), all.Text(1) ?? "", all.Int64(2), (ulong)all.Int64(3), (ulong)all.Int64(4), all.Int64(5)));
        return rows;
    }

    public void Dispose()
    {
        _find.Dispose();
        _insert.Dispose();
        _update.Dispose();
        _rotate.Dispose();
        _delete.Dispose();
        _db.Dispose();
    }
}

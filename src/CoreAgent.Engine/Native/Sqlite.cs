using System.Runtime.InteropServices;
using System.Text;

namespace CoreAgent.Engine.Native;

/// <summary>
/// A minimal binding to the system's SQLite library (libsqlite3, as Fluent Bit links it): open,
/// exec, prepared statements with integer and text values. It is loaded on first use, by name,
/// so a machine without SQLite only fails the features that need it, with a clear message.
/// </summary>
public sealed unsafe class SqliteDatabase : IDisposable
{
    private const int SQLITE_OK = 0, SQLITE_ROW = 100, SQLITE_DONE = 101;
    private const int OPEN_READWRITE = 0x2, OPEN_CREATE = 0x4, OPEN_FULLMUTEX = 0x10000;

    private static readonly Lazy<Api> Functions = new(Api.Load);
    private readonly Api _api;
    private nint _db;

    public string Path { get; }

    /// <summary>Opens or creates a database file.</summary>
    /// <exception cref="SqliteException">SQLite is not installed, or the file cannot be opened.</exception>
    public SqliteDatabase(string path)
    {
        _api = Functions.Value;
        Path = path;
        nint db;
        byte[] name = Utf8(path);
        int rc;
        fixed (byte* p = name) rc = _api.Open(p, &db, OPEN_READWRITE | OPEN_CREATE | OPEN_FULLMUTEX, null);
        _db = db;
        if (rc != SQLITE_OK)
        {
            string message = db != 0 ? Error() : $"error {rc}";
            _api.Close(db);
            _db = 0;
            throw new SqliteException($"cannot open database '{path}': {message}");
        }
        _api.BusyTimeout(_db, 5000);
    }

    /// <summary>Runs one or more statements that return nothing.</summary>
    public void Execute(string sql)
    {
        byte[] text = Utf8(sql);
        byte* error = null;
        int rc;
        fixed (byte* p = text) rc = _api.Exec(_db, p, 0, 0, &error);
        if (rc != SQLITE_OK)
        {
            string message = error is null ? Error() : Marshal.PtrToStringUTF8((nint)error) ?? "unknown error";
            if (error is not null) _api.Free(error);
            throw new SqliteException($"{Path}: {message} (in: {sql})");
        }
    }

    public Statement Prepare(string sql)
    {
        byte[] text = Utf8(sql);
        nint statement;
        int rc;
        fixed (byte* p = text) rc = _api.Prepare(_db, p, text.Length, &statement, null);
        if (rc != SQLITE_OK) throw new SqliteException($"{Path}: {Error()} (in: {sql})");
        return new Statement(this, statement);
    }

    /// <summary>Rows changed by the last statement.</summary>
    public int Changes => _api.Changes(_db);

    public long LastInsertRowId => _api.LastInsertRowId(_db);

    private string Error() => Marshal.PtrToStringUTF8((nint)_api.ErrorMessage(_db)) ?? "unknown error";

    private static byte[] Utf8(string text)
    {
        var bytes = new byte[Encoding.UTF8.GetByteCount(text) + 1];
        Encoding.UTF8.GetBytes(text, bytes);
        return bytes;
    }

    public void Dispose()
    {
        if (_db == 0) return;
        _api.Close(_db);
        _db = 0;
    }

    /// <summary>A prepared statement; parameters are numbered from 1, columns from 0.</summary>
    public sealed class Statement : IDisposable
    {
        private readonly SqliteDatabase _owner;
        private nint _statement;

        internal Statement(SqliteDatabase owner, nint statement)
        {
            _owner = owner;
            _statement = statement;
        }

        public Statement Bind(int index, long value)
        {
            Check(_owner._api.BindInt64(_statement, index, value));
            return this;
        }

        public Statement Bind(int index, string value)
        {
            byte[] text = Encoding.UTF8.GetBytes(value);
            fixed (byte* p = text) Check(_owner._api.BindText(_statement, index, p, text.Length, -1)); // SQLITE_TRANSIENT: SQLite copies
            return this;
        }

        /// <summary>Steps once: true when a row is ready, false when the statement is done.</summary>
        public bool Step()
        {
            int rc = _owner._api.Step(_statement);
            if (rc == SQLITE_ROW) return true;
            if (rc == SQLITE_DONE) return false;
            throw new SqliteException($"{_owner.Path}: {_owner.Error()}");
        }

        public long Int64(int column) => _owner._api.ColumnInt64(_statement, column);

        public string? Text(int column) => Marshal.PtrToStringUTF8((nint)_owner._api.ColumnText(_statement, column));

        /// <summary>Makes the statement ready to run again with new values.</summary>
        public void Reset()
        {
            _owner._api.Reset(_statement);
            _owner._api.ClearBindings(_statement);
        }

        /// <summary>Runs a statement that returns no rows, then resets it.</summary>
        public void Run()
        {
            try { Step(); }
            finally { Reset(); }
        }

        private void Check(int rc)
        {
            if (rc != SQLITE_OK) throw new SqliteException($"{_owner.Path}: {_owner.Error()}");
        }

        public void Dispose()
        {
            if (_statement == 0) return;
            _owner._api.Finalize(_statement);
            _statement = 0;
        }
    }

    /// <summary>The entry points, resolved once from whichever SQLite library the system has.</summary>
    private sealed class Api
    {
        public delegate* unmanaged<byte*, nint*, int, byte*, int> Open;
        public delegate* unmanaged<nint, int> Close;
        public delegate* unmanaged<nint, byte*, nint, nint, byte**, int> Exec;
        public delegate* unmanaged<void*, void> Free;
        public delegate* unmanaged<nint, byte*, int, nint*, byte**, int> Prepare;
        public delegate* unmanaged<nint, int, long, int> BindInt64;
        public delegate* unmanaged<nint, int, byte*, int, nint, int> BindText;
        public delegate* unmanaged<nint, int> Step;
        public delegate* unmanaged<nint, int, long> ColumnInt64;
        public delegate* unmanaged<nint, int, byte*> ColumnText;
        public delegate* unmanaged<nint, int> Reset;
        public delegate* unmanaged<nint, int> ClearBindings;
        public delegate* unmanaged<nint, int> Finalize;
        public delegate* unmanaged<nint, int> Changes;
        public delegate* unmanaged<nint, long> LastInsertRowId;
        public delegate* unmanaged<nint, byte*> ErrorMessage;
        public delegate* unmanaged<nint, int, int> BusyTimeout;

        private static readonly string[] Candidates =
            ["libsqlite3.so.0", "libsqlite3.so", "libsqlite3.dylib", "/usr/lib/libsqlite3.dylib", "winsqlite3.dll", "sqlite3.dll", "e_sqlite3"];

        public static Api Load()
        {
            nint library = 0;
            foreach (var name in Candidates)
            {
                if (NativeLibrary.TryLoad(name, out library)) break;
            }
            if (library == 0)
                throw new SqliteException("SQLite is not available: install the system's SQLite library (Debian: apt-get install libsqlite3-0)");
            nint Get(string name) => NativeLibrary.TryGetExport(library, name, out var f) ? f
                : throw new SqliteException($"the SQLite library has no {name}");
            return new Api
            {
                Open = (delegate* unmanaged<byte*, nint*, int, byte*, int>)Get("sqlite3_open_v2"),
                Close = (delegate* unmanaged<nint, int>)Get("sqlite3_close_v2"),
                Exec = (delegate* unmanaged<nint, byte*, nint, nint, byte**, int>)Get("sqlite3_exec"),
                Free = (delegate* unmanaged<void*, void>)Get("sqlite3_free"),
                Prepare = (delegate* unmanaged<nint, byte*, int, nint*, byte**, int>)Get("sqlite3_prepare_v2"),
                BindInt64 = (delegate* unmanaged<nint, int, long, int>)Get("sqlite3_bind_int64"),
                BindText = (delegate* unmanaged<nint, int, byte*, int, nint, int>)Get("sqlite3_bind_text"),
                Step = (delegate* unmanaged<nint, int>)Get("sqlite3_step"),
                ColumnInt64 = (delegate* unmanaged<nint, int, long>)Get("sqlite3_column_int64"),
                ColumnText = (delegate* unmanaged<nint, int, byte*>)Get("sqlite3_column_text"),
                Reset = (delegate* unmanaged<nint, int>)Get("sqlite3_reset"),
                ClearBindings = (delegate* unmanaged<nint, int>)Get("sqlite3_clear_bindings"),
                Finalize = (delegate* unmanaged<nint, int>)Get("sqlite3_finalize"),
                Changes = (delegate* unmanaged<nint, int>)Get("sqlite3_changes"),
                LastInsertRowId = (delegate* unmanaged<nint, long>)Get("sqlite3_last_insert_rowid"),
                ErrorMessage = (delegate* unmanaged<nint, byte*>)Get("sqlite3_errmsg"),
                BusyTimeout = (delegate* unmanaged<nint, int, int>)Get("sqlite3_busy_timeout"),
            };
        }
    }
}

/// <summary>A SQLite call failed; the message names the database file.</summary>
public sealed class SqliteException(string message) : Exception(message);

using CoreAgent.Engine.Native;
using CoreAgent.Engine.Plugins.Inputs.Tail;

namespace CoreAgent.Engine.Tests.Tail;

public class TailDatabaseTests
{
    [Fact]
    public void Rows_round_trip_and_stale_rows_go()
    {
        using var h = new TailHarness();
        string db = h.PathOf("t.db");
        using (var tail = new TailDatabase(db))
        {
            long a = tail.Insert("/a.log", 10, 111, 0xFFFF_FFFF_FFFF_FFF0, 32);
            long b = tail.Insert("/b.log", 20, 222, 5, 32);
            Assert.True(tail.Update(a, 15, 0xFFFF_FFFF_FFFF_FFF1, 32));
            tail.Rotate(b, "/b.log.1");
            Assert.Equal(new TailDbEntry(a, "/a.log", 15, 111, 0xFFFF_FFFF_FFFF_FFF1, 32), tail.Find(111));
            Assert.Null(tail.Find(111, "/other.log"));
            Assert.Equal("/b.log.1", tail.Find(222)!.Name);
            Assert.Equal(1, tail.DeleteStale([111UL]));
            Assert.Single(tail.All());
            tail.Delete(a);
            Assert.False(tail.Update(a, 1, 0, 0)); // a deleted row is reported, so the caller re-inserts
        }
        using var sqlite = new SqliteDatabase(db);
        using var rotated = sqlite.Prepare("SELECT rotated FROM in_tail_files;");
        Assert.False(rotated.Step()); // b was stale and deleted; a was deleted
    }

    [Fact]
    public void Sync_journal_mode_and_locking_are_applied()
    {
        using var h = new TailHarness();
        string db = h.PathOf("s.db");
        using (var tail = new TailDatabase(db, sync: 2, exclusiveLocking: false, journalMode: "DELETE"))
        {
            tail.Insert("/x", 0, 1, 0, 0);
        }
        using (var sqlite = new SqliteDatabase(db))
        using (var mode = sqlite.Prepare("PRAGMA journal_mode;"))
        {
            Assert.True(mode.Step());
            Assert.Equal("delete", mode.Text(0));
        }
        using var locked = new TailDatabase(h.PathOf("l.db"), sync: 0, exclusiveLocking: true);
        locked.Insert("/x", 0, 1, 0, 0);
        using var other = new SqliteDatabase(h.PathOf("l.db"));
        Assert.Throws<SqliteException>(() => other.Execute("BEGIN IMMEDIATE; INSERT INTO in_tail_files (name) VALUES ('y'); COMMIT;"));
    }
}

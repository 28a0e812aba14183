using CoreAgent.Engine.Native;
using CoreAgent.Engine.Plugins.Inputs.Tail;
using CoreAgent.Engine.Tests.Support;

namespace CoreAgent.Engine.Tests.Tail;

public class TailInputTests
{
    [Fact]
    public void Reads_from_head_with_path_and_offset_keys_and_a_star_tag()
    {
        using var h = new TailHarness();
        string path = h.PathOf("app.log");
        File.WriteAllText(path, "first\nsecond line\r\nthird\n");
        h.Start(("path", path), ("read_from_head", "on"), ("path_key", "file"), ("offset_key", "off"), ("key", "msg"), ("tag", "app.*"));
        h.WaitForCount(3);
        var records = h.Records;
        Assert.Equal(["first", "second line", "third"], records.Select(r => r.Body.GetProperty("msg").GetString()));
        Assert.Equal([0L, 6L, 19L], records.Select(r => r.Body.GetProperty("off").GetInt64()));
        Assert.All(records, r => Assert.Equal(path, r.Body.GetProperty("file").GetString()));
        Assert.All(records, r => Assert.Equal(TailTag.Compose("app.*", path), r.Tag));
        Assert.Equal(["file", "off", "msg"], records[0].Body.EnumerateObject().Select(p => p.Name)); // Fluent Bit's key order
        var now = DateTimeOffset.UtcNow.ToUnixTimeSeconds();
        Assert.All(records, r => Assert.InRange((long)r.Time.Seconds, now - 60, now + 1)); // the read time
    }

    [Fact]
    public void Each_line_is_stamped_when_it_is_handled_so_lines_of_one_read_get_increasing_times()
    {
        using var h = new TailHarness();
        string path = h.PathOf("many.log");
        TailHarness.AppendLines(path, "l", 1, 1000); // about 7 kB: one read of the 32 kB buffer
        h.Start(("path", path), ("read_from_head", "on"));
        h.WaitForCount(1000);
        var times = h.Records.Select(r => (long)r.Time.Seconds * 1_000_000_000 + r.Time.Nanoseconds).ToList();
        Assert.Equal(TailHarness.Numbered("l", 1, 1000), h.Lines());
        // Fluent Bit takes the time per line (flb_time_get); one time for the whole read would repeat.
        for (int i = 1; i < times.Count; i++) Assert.True(times[i] > times[i - 1], $"record {i} at {times[i]} is not after record {i - 1} at {times[i - 1]}");
    }

    [Fact]
    public void Without_read_from_head_a_file_found_at_start_is_followed_from_its_end_and_a_later_file_from_its_head()
    {
        using var h = new TailHarness();
        string early = h.PathOf("early.log"), late = h.PathOf("late.log");
        TailHarness.AppendLines(early, "old", 1, 5);
        h.Start(("path", h.PathOf("*.log")), ("refresh_interval", "0.2"));
        Eventually.True(() => h.Input.Files.Count == 1, "the file is monitored");
        TailHarness.AppendLines(early, "new", 1, 3);
        TailHarness.AppendLines(late, "late", 1, 2);
        h.WaitForCount(5);
        Assert.Equal(TailHarness.Numbered("new", 1, 3), h.Lines().Where(l => l.StartsWith("new")));
        Assert.Equal(TailHarness.Numbered("late", 1, 2), h.Lines().Where(l => l.StartsWith("late")));
        Assert.DoesNotContain(h.Lines(), l => l.StartsWith("old"));
    }

    [Fact]
    public void A_partial_last_line_waits_for_its_newline()
    {
        using var h = new TailHarness();
        string path = h.PathOf("p.log");
        File.WriteAllText(path, "whole\npart");
        h.Start(("path", path), ("read_from_head", "true"));
        h.WaitForCount(1);
        Eventually.True(() => h.Input.Files.Single().Buffered == 4, "the partial line is buffered");
        Assert.Single(h.Records);
        File.AppendAllText(path, "ial\n");
        h.WaitForCount(2);
        Assert.Equal(["whole", "partial"], h.Lines());
    }

    [Fact]
    public void Exclude_path_and_comma_lists()
    {
        using var h = new TailHarness();
        File.WriteAllText(h.PathOf("a.log"), "a\n");
        File.WriteAllText(h.PathOf("b.log"), "b\n");
        File.WriteAllText(h.PathOf("c.txt"), "c\n");
        File.WriteAllText(h.PathOf("d.gz"), "d\n");
        h.Start(("path", $"{h.PathOf("*.log")}, {h.PathOf("*.txt")},{h.PathOf("*.gz")}"), ("exclude_path", "*.gz, *b.log"), ("read_from_head", "on"));
        h.WaitForCount(2);
        Eventually.True(() => h.Input.Files.Count == 2, "two files");
        Assert.Equal(["a", "c"], h.Lines().Order());
    }

    [Fact]
    public void Skip_empty_lines_and_long_lines()
    {
        using var h = new TailHarness();
        string path = h.PathOf("l.log");
        File.WriteAllText(path, "a\n\n\r\n" + new string('x', 200) + "\nb\n" + new string('y', 100) + "\nc\n");
        h.Start(("path", path), ("read_from_head", "on"), ("skip_empty_lines", "on"), ("skip_long_lines", "on"),
            ("buffer_chunk_size", "64"), ("buffer_max_size", "128"));
        h.WaitForCount(4);
        Eventually.True(() => h.Input.Files.Single().CommittedOffset == new FileInfo(path).Length, "the file is read");
        Assert.Equal(["a", "b", new string('y', 100), "c"], h.Lines());
        Assert.True(h.Logged("have long lines. Skipping long lines."));
    }

    [Fact]
    public void A_long_line_without_skip_long_lines_gives_up_the_file()
    {
        using var h = new TailHarness();
        string path = h.PathOf("l.log");
        File.WriteAllText(path, "a\n" + new string('x', 200) + "\nb\n");
        h.Start(("path", path), ("read_from_head", "on"), ("buffer_chunk_size", "64"), ("buffer_max_size", "128"));
        h.WaitForLog("requires a larger buffer size, lines are too long. Skipping file.");
        h.WaitForCount(1);
        Assert.Equal(["a"], h.Lines());
        Assert.Empty(h.Input.Files);
    }

    [Theory]
    [InlineData("true")]
    [InlineData("false")]
    public void Rotation_by_rename_with_writes_to_the_old_file_then_a_new_file(string inotify)
    {
        using var h = new TailHarness();
        string path = h.PathOf("app.log"), rotated = h.PathOf("app.log.1");
        File.WriteAllText(path, "");
        h.Start(("path", path), ("rotate_wait", "3"), ("inotify_watcher", inotify), ("refresh_interval", "60"));
        Eventually.True(() => h.Input.Files.Count == 1, "monitored");
        TailHarness.AppendLines(path, "a", 1, 100);
        h.WaitForCount(100);
        File.Move(path, rotated);
        TailHarness.AppendLines(rotated, "a", 101, 150);   // the writer still has the old file open
        File.WriteAllText(path, "");
        TailHarness.AppendLines(path, "b", 1, 100);
        TailHarness.AppendLines(rotated, "a", 151, 160);
        h.WaitForCount(260);
        h.WaitForLog("handle rotation()");
        Eventually.True(() => h.Input.Files.Count == 1 && h.Input.Files[0].Path == path && h.Input.Files[0].RotatedAt is null, "the rotated file is purged after rotate_wait");
        var lines = h.Lines();
        Assert.Equal(TailHarness.Numbered("a", 1, 160), lines.Where(l => l.StartsWith("a-")));
        Assert.Equal(TailHarness.Numbered("b", 1, 100), lines.Where(l => l.StartsWith("b-")));
        Assert.Equal(260, lines.Count);
    }

    [Fact]
    public void Copytruncate_and_truncation_read_the_new_content_once()
    {
        using var h = new TailHarness();
        string path = h.PathOf("app.log");
        File.WriteAllText(path, "");
        h.Start(("path", path));
        Eventually.True(() => h.Input.Files.Count == 1, "monitored");
        TailHarness.AppendLines(path, "a", 1, 50);
        h.WaitForCount(50);
        File.Copy(path, h.PathOf("app.log.1"));
        using (var truncate = new FileStream(path, FileMode.Open, FileAccess.Write, FileShare.ReadWrite)) truncate.SetLength(0);
        h.WaitForLog("file truncated");
        TailHarness.AppendLines(path, "b", 1, 20);
        h.WaitForCount(70);
        Assert.Equal([.. TailHarness.Numbered("a", 1, 50), .. TailHarness.Numbered("b", 1, 20)], h.Lines());
    }

    [Fact]
    public void Truncated_and_rewritten_past_the_offset_between_checks_is_read_again_from_the_head()
    {
        using var h = new TailHarness();
        string path = h.PathOf("app.log");
        File.WriteAllText(path, "");
        h.Start(("path", path), ("inotify_watcher", "off"));
        Eventually.True(() => h.Input.Files.Count == 1, "monitored");
        TailHarness.AppendLines(path, "a", 1, 5);
        h.WaitForCount(5);
        // Replace the content with a longer one in one step: the size never drops below the offset.
        File.WriteAllText(path, string.Concat(TailHarness.Numbered("bbbbbbbb", 1, 10).Select(l => l + "\n")));
        h.WaitForCount(15);
        Assert.Equal([.. TailHarness.Numbered("a", 1, 5), .. TailHarness.Numbered("bbbbbbbb", 1, 10)], h.Lines());
    }

    [Fact]
    public void Stop_and_restart_on_the_same_db_delivers_every_line_once()
    {
        using var h = new TailHarness();
        string path = h.PathOf("app.log"), db = h.PathOf("tail.db");
        File.WriteAllText(path, "");
        (string, string)[] settings = [("path", path), ("db", db), ("rotate_wait", "2")];
        h.Start(settings);
        Eventually.True(() => h.Input.Files.Count == 1, "monitored");
        TailHarness.AppendLines(path, "a", 1, 100);
        File.AppendAllText(path, "partial-");
        h.WaitForCount(100);
        h.Stop();
        File.AppendAllText(path, "line\n");
        TailHarness.AppendLines(path, "a", 101, 200); // written while the agent is down
        using (var tailDb = new TailDatabase(db))
        {
            var row = Assert.Single(tailDb.All());
            Assert.Equal(path, row.Name);
            Assert.Equal(UnixFiles.Stat(path)!.Value.Inode, row.Inode);
            Assert.Equal(string.Concat(TailHarness.Numbered("a", 1, 100).Select(l => l + "\n")).Length, row.Offset); // the partial line is not consumed
            Assert.Equal(32, row.MarkerSize);
        }
        h.Start(settings);
        h.WaitForCount(201);
        TailHarness.AppendLines(path, "a", 201, 250);
        h.WaitForCount(251);
        h.Stop();
        var lines = h.Lines();
        Assert.Equal([.. TailHarness.Numbered("a", 1, 100), "partial-line", .. TailHarness.Numbered("a", 101, 250)], lines);
    }

    [Fact]
    public void A_db_offset_past_the_end_after_truncation_while_down_starts_from_the_head()
    {
        using var h = new TailHarness();
        string path = h.PathOf("app.log"), db = h.PathOf("tail.db");
        File.WriteAllText(path, "");
        h.Start(("path", path), ("db", db));
        Eventually.True(() => h.Input.Files.Count == 1, "monitored");
        TailHarness.AppendLines(path, "a", 1, 20);
        h.WaitForCount(20);
        h.Stop();
        using (var truncate = new FileStream(path, FileMode.Open, FileAccess.Write, FileShare.ReadWrite)) truncate.SetLength(0);
        TailHarness.AppendLines(path, "b", 1, 3);
        h.Start(("path", path), ("db", db));
        h.WaitForCount(23);
        Assert.Equal([.. TailHarness.Numbered("a", 1, 20), .. TailHarness.Numbered("b", 1, 3)], h.Lines());
    }

    [Fact]
    public void A_deleted_file_is_read_to_its_end_then_dropped_from_the_db()
    {
        using var h = new TailHarness();
        string path = h.PathOf("app.log"), db = h.PathOf("tail.db");
        File.WriteAllText(path, "");
        h.Start(("path", path), ("db", db));
        Eventually.True(() => h.Input.Files.Count == 1, "monitored");
        TailHarness.AppendLines(path, "a", 1, 10);
        File.Delete(path);
        h.WaitForCount(10);
        Eventually.True(() => h.Input.Files.Count == 0, "the deleted file is dropped");
        h.Stop();
        using var tailDb = new TailDatabase(db);
        Assert.Empty(tailDb.All());
        Assert.Equal(TailHarness.Numbered("a", 1, 10), h.Lines());
    }

    [Fact]
    public void Resumes_from_a_fluent_bit_db_row()
    {
        using var h = new TailHarness();
        string path = h.PathOf("app.log"), db = h.PathOf("fluent-bit.db");
        TailHarness.AppendLines(path, "a", 1, 10);
        long offset = string.Concat(TailHarness.Numbered("a", 1, 6).Select(l => l + "\n")).Length;
        // The table as Fluent Bit 1.x created it, before the marker columns: one row with a plain offset.
        using (var sqlite = new SqliteDatabase(db))
        {
            sqlite.Execute("CREATE TABLE in_tail_files (id INTEGER PRIMARY KEY, name TEXT NOT NULL, offset INTEGER, inode INTEGER, created INTEGER, rotated INTEGER DEFAULT 0);");
            sqlite.Execute($"INSERT INTO in_tail_files (name, offset, inode, created) VALUES ('{path}', {offset}, {UnixFiles.Stat(path)!.Value.Inode}, 1700000000);");
        }
        h.Start(("path", path), ("db", db));
        h.WaitForCount(4);
        Assert.Equal(TailHarness.Numbered("a", 7, 10), h.Lines());
        h.Stop();
        using var tailDb = new TailDatabase(db);
        Assert.Equal(new FileInfo(path).Length, Assert.Single(tailDb.All()).Offset);
    }

    [Fact]
    public void Pausing_on_mem_buf_limit_stops_reading_and_loses_nothing()
    {
        using var h = new TailHarness();
        string path = h.PathOf("big.log");
        TailHarness.AppendLines(path, "line-with-some-padding-to-fill-chunks-quickly", 1, 100_000);
        h.Start(("path", path), ("read_from_head", "on"), ("mem_buf_limit", "256k"));
        h.WaitForCount(100_000, TimeSpan.FromSeconds(120));
        Assert.Equal(TailHarness.Numbered("line-with-some-padding-to-fill-chunks-quickly", 1, 100_000), h.Lines());
    }

    [Fact]
    public void An_unknown_parser_is_a_build_error()
    {
        using var h = new TailHarness();
        var ex = Assert.ThrowsAny<Exception>(() => h.Start(("path", h.PathOf("*.log")), ("parser", "json")));
        Assert.Contains("parser 'json' is not a defined parser", ex.Message);
    }

    [Fact]
    public void Bad_settings_are_errors_naming_the_key()
    {
        using var h = new TailHarness();
        Assert.Contains("path", Assert.ThrowsAny<Exception>(() => h.Start(("key", "x"))).Message);
        Assert.Contains("db.sync", Assert.ThrowsAny<Exception>(() => h.Start(("path", "/x"), ("db.sync", "sometimes"))).Message);
        Assert.Contains("rotate_wait", Assert.ThrowsAny<Exception>(() => h.Start(("path", "/x"), ("rotate_wait", "soon"))).Message);
        Assert.Contains("buffer_max_size", Assert.ThrowsAny<Exception>(() => h.Start(("path", "/x"), ("buffer_chunk_size", "64k"), ("buffer_max_size", "32k"))).Message);
    }
}

public class TailPathFormTests
{
    [Fact]
    public void A_symlinked_file_and_a_relative_path_are_not_taken_for_rotations()
    {
        using var h = new TailHarness();
        string target = h.PathOf("real.log"), link = h.PathOf("link.log");
        File.WriteAllText(target, "");
        File.CreateSymbolicLink(link, target);
        string relative = Path.GetRelativePath(Environment.CurrentDirectory, h.PathOf("rel.log"));
        File.WriteAllText(h.PathOf("rel.log"), "");
        h.Start(("path", $"{link},{relative}"), ("path_key", "file"), ("rotate_wait", "1"));
        Eventually.True(() => h.Input.Files.Count == 2, "both monitored");
        TailHarness.AppendLines(target, "l", 1, 3);
        TailHarness.AppendLines(h.PathOf("rel.log"), "r", 1, 3);
        h.WaitForCount(6);
        // Several stat checks later, neither file was seen as rotated.
        var checks = DateTime.UtcNow.AddSeconds(2);
        Eventually.True(() => DateTime.UtcNow > checks, "a few stat checks");
        Assert.False(h.Logged("handle rotation()"), h.LogText());
        Assert.Equal(2, h.Input.Files.Count);
        TailHarness.AppendLines(target, "l", 4, 4);
        h.WaitForCount(7);
        Assert.Equal([link, link, link, link], h.Records.Where(r => r.Body.GetProperty("log").GetString()!.StartsWith("l-")).Select(r => r.Body.GetProperty("file").GetString()));
    }
}

namespace CoreAgent.Engine.Tests.Tail;

/// <summary>tail with multiline.parser, through a real pipeline (the built-in multiline parsers need no parsers file).</summary>
public class TailMultilineTests
{
    [Fact]
    public void Docker_joins_partial_lines_and_keeps_path_key()
    {
        using var h = new TailHarness();
        string path = h.PathOf("c.log");
        File.WriteAllText(path,
            "{\"log\":\"first half \",\"stream\":\"stdout\",\"time\":\"2026-01-02T03:04:05.000000001Z\"}\n" +
            "{\"log\":\"second half\\n\",\"stream\":\"stdout\",\"time\":\"2026-01-02T03:04:05.000000002Z\"}\n" +
            "{\"log\":\"alone\\n\",\"stream\":\"stderr\",\"time\":\"2026-01-02T03:04:06.000000000Z\"}\n");
        h.Start(("path", path), ("read_from_head", "on"), ("multiline.parser", "docker"), ("path_key", "file"));
        h.WaitForCount(2);
        var records = h.Records;
        Assert.Equal(["first half second half\n", "alone\n"], records.Select(r => r.Body.GetProperty("log").GetString()));
        Assert.Equal(["stdout", "stderr"], records.Select(r => r.Body.GetProperty("stream").GetString()));
        Assert.All(records, r => Assert.Equal(path, r.Body.GetProperty("file").GetString()));
        Assert.Equal(new DateTimeOffset(2026, 1, 2, 3, 4, 5, TimeSpan.Zero).ToUnixTimeSeconds(), records[0].Time.Seconds);
    }

    [Fact]
    public void Cri_joins_p_lines_up_to_the_f_line_and_a_pending_record_is_flushed_at_stop_with_the_offset_stored_after_it()
    {
        using var h = new TailHarness();
        string path = h.PathOf("cri.log"), db = h.PathOf("t.db");
        File.WriteAllText(path,
            "2026-01-02T03:04:05.000000001Z stdout P one \n" +
            "2026-01-02T03:04:05.000000002Z stdout F two\n" +
            "2026-01-02T03:04:06.000000000Z stdout P pending \n");
        h.Start(("path", path), ("read_from_head", "on"), ("multiline.parser", "cri"), ("db", db));
        h.WaitForCount(1);
        Assert.Equal("one two", h.Records[0].Body.GetProperty("log").GetString() ?? h.Records[0].Body.GetProperty("message").GetString());
        h.Stop(); // the pending P line goes out at stop
        Assert.Equal(2, h.Count);
        File.AppendAllText(path, "2026-01-02T03:04:07.000000000Z stdout F after\n");
        h.Start(("path", path), ("multiline.parser", "cri"), ("db", db));
        h.WaitForCount(3);
        Assert.Equal(3, h.Count);
    }

    [Fact]
    public void An_unknown_multiline_parser_is_an_error_naming_it()
    {
        using var h = new TailHarness();
        var ex = Assert.ThrowsAny<Exception>(() => h.Start(("path", h.PathOf("*.log")), ("multiline.parser", "nosuch")));
        Assert.Contains("nosuch", ex.Message);
    }
}

using CoreAgent.Engine.Pipeline;
using CoreAgent.Engine.Plugins.Inputs.Tail;
using CoreAgent.Engine.Plugins.Properties;
using CoreAgent.Engine.Tests.Support;
using System.Text.RegularExpressions;

namespace CoreAgent.Engine.Tests.Tail;

public class TailTagRegexTests
{
    private static readonly Regex Kube = new(@"(?<pod>[a-z0-9-]+)_(?<ns>[^_]+)_(?<container>.+)-(?<id>[a-f0-9]{8})\.log$");

    [Fact]
    public void Named_captures_fill_the_placeholders_and_nothing_else_changes()
    {
        string tag = TailTag.Compose("kube.<ns>.<pod>.<container>*", Kube, "/var/log/containers/web-1_prod_nginx-deadbeef.log", out var error)!;
        Assert.Null(error);
        Assert.Equal("kube.prod.web-1.nginx*", tag); // no '*' expansion and no '/' to '.' with Tag_Regex, as Fluent Bit
    }

    [Fact]
    public void A_missing_or_empty_or_numbered_group_gives_an_underscore()
    {
        var regex = new Regex(@"/(?<dir>[a-z]*)/(?<name>[a-z]+)\.log$");
        Assert.Equal("t._.app._._", TailTag.Compose("t.<dir>.<name>.<nope>.<1>", regex, "//app.log", out _));
    }

    [Fact]
    public void A_path_that_does_not_match_or_an_unclosed_bracket_gives_no_tag()
    {
        Assert.Null(TailTag.Compose("kube.<ns>", Kube, "/var/log/other.log", out var error));
        Assert.Equal("invalid tag_regex pattern for file /var/log/other.log", error);
        Assert.Null(TailTag.Compose("kube.<ns.<pod>", Kube, "/x/web-1_prod_nginx-deadbeef.log", out error));
        Assert.Equal("missing closing angle bracket in tag kube.<ns.<pod> at position 5", error);
    }

    [Fact]
    public void Tail_tags_each_file_from_the_regex_and_skips_a_file_it_does_not_match()
    {
        using var h = new TailHarness();
        File.WriteAllText(h.PathOf("web-1_prod_nginx-deadbeef.log"), "a\n");
        File.WriteAllText(h.PathOf("db-0_dev_pg-0123abcd.log"), "b\n");
        File.WriteAllText(h.PathOf("stray.log"), "c\n");
        h.Start(("path", h.PathOf("*.log")), ("read_from_head", "on"),
            ("tag", "kube.<ns>.<pod>.<container>"), ("tag_regex", Kube.ToString()));
        h.WaitForCount(2);
        h.WaitForLog("failed to compose tag for file: " + h.PathOf("stray.log"));
        Assert.Equal(["kube.dev.db-0.pg", "kube.prod.web-1.nginx"], h.Records.Select(r => r.Tag).Order());
        Assert.Equal(2, h.Input.Files.Count);
    }

    [Fact]
    public void A_tag_regex_that_does_not_compile_fails_the_start_saying_so()
    {
        using var h = new TailHarness();
        var ex = Assert.ThrowsAny<Exception>(() => h.Start(("path", h.PathOf("*.log")), ("tag_regex", "(?<open")));
        Assert.Contains("invalid 'tag_regex' config value '(?<open'", ex.ToString());
    }
}

public class TailExitOnEofTests
{
    [Fact]
    public void The_pipeline_stops_once_every_file_found_at_start_is_read_to_its_end()
    {
        using var h = new TailHarness();
        TailHarness.AppendLines(h.PathOf("a.log"), "a", 1, 3000);
        TailHarness.AppendLines(h.PathOf("b.log"), "b", 1, 2);
        h.Start(("path", h.PathOf("*.log")), ("read_from_head", "on"), ("exit_on_eof", "on"));
        var pipeline = h.Pipeline!;
        Eventually.True(() => pipeline.State == PipelineState.Stopped, $"the pipeline stops by itself; log:\n{h.LogText()}", TimeSpan.FromSeconds(60));
        Assert.Equal(3002, h.Count); // everything read is delivered by the graceful stop
        Assert.True(h.Logged($"file={h.PathOf("a.log")} ended, stop"));
        Assert.True(h.Logged($"file={h.PathOf("b.log")} ended, stop"));
    }

    [Fact]
    public void Without_exit_on_eof_the_pipeline_keeps_following()
    {
        using var h = new TailHarness();
        TailHarness.AppendLines(h.PathOf("a.log"), "a", 1, 2);
        h.Start(("path", h.PathOf("a.log")), ("read_from_head", "on"));
        h.WaitForCount(2);
        TailHarness.AppendLines(h.PathOf("a.log"), "a", 3, 4);
        h.WaitForCount(4);
        Assert.Equal(PipelineState.Running, h.Pipeline!.State);
    }
}

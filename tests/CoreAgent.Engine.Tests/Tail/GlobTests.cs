using CoreAgent.Engine.Plugins.Inputs.Tail;

namespace CoreAgent.Engine.Tests.Tail;

public class GlobTests
{
    [Theory]
    [InlineData("*.log", "/var/log/app.log", true)]       // fnmatch without FNM_PATHNAME: * crosses '/'
    [InlineData("*.gz", "/var/log/app.log.1.gz", true)]
    [InlineData("*.gz", "/var/log/app.log", false)]
    [InlineData("/var/log/app-?.log", "/var/log/app-1.log", true)]
    [InlineData("/var/log/app-[0-9].log", "/var/log/app-7.log", true)]
    [InlineData("/var/log/app-[!0-9].log", "/var/log/app-7.log", false)]
    [InlineData("/var/log/app-[^0-9].log", "/var/log/app-x.log", true)]
    [InlineData(@"/var/log/a\*b", "/var/log/a*b", true)]
    [InlineData(@"/var/log/a\*b", "/var/log/axb", false)]
    [InlineData("a[b", "a[b", true)]
    [InlineData("*", "", true)]
    [InlineData("a*b*c", "aXbYbZc", true)]
    [InlineData("a*b*c", "aXbYbZ", false)]
    public void Match_is_fnmatch_without_flags(string pattern, string path, bool expected) =>
        Assert.Equal(expected, Glob.Match(pattern, path));

    [Fact]
    public void Pathname_mode_keeps_wildcards_inside_a_segment_and_hides_dot_files()
    {
        Assert.False(Glob.Match("*", "a/b", pathname: true));
        Assert.False(Glob.Match("*.log", ".hidden.log", pathname: true));
        Assert.True(Glob.Match(".*.log", ".hidden.log", pathname: true));
    }

    [Fact]
    public void Expand_walks_wildcard_segments_and_sorts()
    {
        string root = Path.Combine(Path.GetTempPath(), "coreagent-glob-" + Guid.NewGuid().ToString("N")[..8]);
        try
        {
            foreach (var dir in new[] { "a", "b", "c" }) Directory.CreateDirectory(Path.Combine(root, dir));
            File.WriteAllText(Path.Combine(root, "a", "x.log"), "");
            File.WriteAllText(Path.Combine(root, "b", "y.log"), "");
            File.WriteAllText(Path.Combine(root, "b", "y.txt"), "");
            File.WriteAllText(Path.Combine(root, "b", ".z.log"), "");
            File.WriteAllText(Path.Combine(root, "c", "z.log"), "");
            Assert.Equal([$"{root}/a/x.log", $"{root}/b/y.log", $"{root}/c/z.log"], Glob.Expand($"{root}/*/*.log"));
            Assert.Equal([$"{root}/b/y.log", $"{root}/b/y.txt"], Glob.Expand($"{root}/b/y.*"));
            Assert.Equal([$"{root}/a/x.log"], Glob.Expand($"{root}/a/x.log"));
            Assert.Empty(Glob.Expand($"{root}/none/*.log"));
            Assert.Equal($"{root}", Glob.BaseDirectory($"{root}/*/*.log"));
        }
        finally { Directory.Delete(root, true); }
    }

    [Theory]
    [InlineData("kube.*", "/var/log/containers/app.log", "kube.var.log.containers.app.log")]
    [InlineData("*", "/var/log/app.log", "var.log.app.log")]
    [InlineData("app.*.x", "/a/b.log", "app.a.b.log.x")]
    [InlineData("plain", "/a/b.log", "plain")]
    [InlineData("c.*", "C:\\logs\\a.log", "c.C.logs.a.log")]
    public void Tag_star_becomes_the_path_with_dots(string tag, string path, string expected) =>
        Assert.Equal(expected, TailTag.Compose(tag, path));
}

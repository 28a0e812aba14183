using CoreAgent.Engine.Pipeline;

namespace CoreAgent.Engine.Tests.Pipeline;

public class TagMatcherTests
{
    [Theory]
    [InlineData("*", "cpu.0", true)]
    [InlineData("cpu*", "cpu.local", true)]
    [InlineData("cpu.*", "cpu.a.b", true)]      // * also matches dots
    [InlineData("*.0", "dummy.0", true)]
    [InlineData("a*b*c", "aXXbYYc", true)]
    [InlineData("cpu", "cpu.0", false)]          // must cover the whole tag
    [InlineData("CPU*", "cpu.0", false)]         // case-sensitive
    [InlineData("dummy.?", "dummy.0", false)]    // ? is not a wildcard
    [InlineData("a*b", "ab", true)]
    [InlineData("a*b", "abxb", true)]
    [InlineData("a*b", "abx", false)]
    public void Match_is_a_whole_tag_glob(string pattern, string tag, bool expected) =>
        Assert.Equal(expected, new TagMatcher(pattern, null).Matches(tag));

    [Theory]
    [InlineData("cpu", "cpu.0", true)]           // from the start, need not reach the end
    [InlineData("pu", "cpu.0", false)]           // must match at the start
    [InlineData("dummy\\.[0-9]+$", "dummy.12", true)]
    [InlineData("a|b", "b.x", true)]
    public void Match_regex_matches_from_the_start(string regex, string tag, bool expected) =>
        Assert.Equal(expected, new TagMatcher(null, regex).Matches(tag));

    [Fact]
    public void Match_regex_is_tried_first_and_replaces_match() =>
        Assert.False(new TagMatcher("*", "nomatch").Matches("cpu.0"));

    [Fact]
    public void No_match_and_no_regex_matches_nothing()
    {
        var matcher = new TagMatcher(null, null);
        Assert.True(matcher.IsEmpty);
        Assert.False(matcher.Matches("cpu.0"));
    }
}

public class RetryBackoffTests
{
    [Fact]
    public void Waits_between_base_and_the_capped_exponential_plus_one_second()
    {
        var backoff = new RetryBackoff(5, 20);
        for (int retry = 0; retry < 8; retry++)
        {
            double upper = Math.Min(20, 5 * Math.Pow(2, retry)) + 1;
            for (int i = 0; i < 200; i++)
            {
                var seconds = backoff.Next(retry).TotalSeconds;
                Assert.InRange(seconds, 6, upper);
            }
        }
    }
}

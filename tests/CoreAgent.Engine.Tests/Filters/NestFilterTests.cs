using CoreAgent.Engine.Plugins.Filters.Nest;
using CoreAgent.Engine.Plugins.Properties;
using static CoreAgent.Engine.Tests.Filters.FilterHarness;

namespace CoreAgent.Engine.Tests.Filters;

public class NestFilterTests
{
    [Fact]
    public void Nest_moves_the_wildcard_keys_under_the_new_key_after_the_others()
    {
        var filter = Init(new NestFilter(), ("operation", "nest"), ("wildcard", "Mem.*"), ("wildcard", "cpu"), ("nest_under", "stats"));
        Assert.Equal(
            ["""{"host":"a","stats":{"Mem.total":1,"cpu":3,"Mem.free":4}}"""],
            Run(filter, """{"Mem.total":1,"host":"a","cpu":3,"Mem.free":4}"""));
    }

    [Fact]
    public void Nest_is_case_sensitive_and_a_record_without_a_match_is_unchanged()
    {
        var filter = Init(new NestFilter(), ("operation", "nest"), ("wildcard", "mem.*"), ("nest_under", "m"));
        Assert.Null(Answer(filter, """{"Mem.total":1}"""));
    }

    [Fact]
    public void Nest_with_remove_prefix_strips_it_from_the_keys_that_have_it()
    {
        var filter = Init(new NestFilter(), ("operation", "nest"), ("wildcard", "k8s_*"), ("wildcard", "pod"), ("nest_under", "kubernetes"), ("remove_prefix", "k8s_"));
        Assert.Equal(["""{"log":"x","kubernetes":{"ns":"a","pod":"p"}}"""], Run(filter, """{"k8s_ns":"a","log":"x","pod":"p"}"""));
    }

    [Fact]
    public void Lift_puts_the_nested_pairs_at_the_top_level_with_add_prefix()
    {
        var filter = Init(new NestFilter(), ("operation", "lift"), ("nested_under", "kubernetes"), ("add_prefix", "k8s_"));
        Assert.Equal(
            ["""{"log":"x","end":1,"k8s_pod":"p","k8s_labels":{"app":"web"}}"""],
            Run(filter, """{"log":"x","kubernetes":{"pod":"p","labels":{"app":"web"}},"end":1}"""));
    }

    [Fact]
    public void Lift_with_remove_prefix_and_a_value_that_is_not_a_map_stays()
    {
        var filter = Init(new NestFilter(), ("operation", "lift"), ("nested_under", "n"), ("remove_prefix", "p_"));
        Assert.Equal(["""{"a":1,"x":2,"q_y":3}"""], Run(filter, """{"n":{"p_x":2,"q_y":3},"a":1}"""));
        Assert.Null(Answer(filter, """{"n":"text","a":1}"""));
        Assert.Equal(["""{"a":1}"""], Run(filter, """{"n":{},"a":1}"""));
    }

    [Fact]
    public void Nest_then_lift_gives_the_keys_back()
    {
        var nest = Init(new NestFilter(), ("operation", "nest"), ("wildcard", "*"), ("nest_under", "all"), ("add_prefix", "x."));
        var lift = Init(new NestFilter(), ("operation", "lift"), ("nested_under", "all"), ("remove_prefix", "x."));
        var nested = Run(nest, """{"a":1,"b":"two"}""");
        Assert.Equal(["""{"all":{"x.a":1,"x.b":"two"}}"""], nested);
        Assert.Equal(["""{"a":1,"b":"two"}"""], Run(lift, nested));
    }

    [Theory]
    [InlineData("operation", "flatten")]
    [InlineData("operation", "Nest")]
    [InlineData("nest_under", null)]
    [InlineData("remove_prefix", "both")]
    public void Bad_settings_name_the_key(string key, string? value)
    {
        var properties = new List<(string, string)> { ("wildcard", "a*") };
        if (key != "operation") properties.Add(("operation", "nest"));
        if (key == "remove_prefix") properties.AddRange([("nest_under", "n"), ("add_prefix", "p"), ("remove_prefix", "q")]);
        else if (value is not null) properties.Add((key, value));
        if (key == "operation") properties.Add(("nest_under", "n"));
        var ex = Assert.Throws<PropertyException>(() => Init(new NestFilter(), [.. properties]));
        Assert.Equal(key == "remove_prefix" ? "add_prefix" : key, ex.Key);
    }
}

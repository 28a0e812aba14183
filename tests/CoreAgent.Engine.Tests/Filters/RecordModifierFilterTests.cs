using CoreAgent.Engine.Plugins.Filters.RecordModifier;
using CoreAgent.Engine.Plugins.Properties;
using CoreAgent.Engine.Tests.Support;
using static CoreAgent.Engine.Tests.Filters.FilterHarness;

namespace CoreAgent.Engine.Tests.Filters;

public class RecordModifierFilterTests
{
    private const string Nginx = """{"remote":"10.0.0.7","method":"GET","path":"/index.html","code":200,"Agent":"curl/8.5"}""";

    [Fact]
    public void Record_appends_every_pair_in_order_and_the_value_keeps_its_spaces()
    {
        var filter = Init(new RecordModifierFilter(), ("record", "hostname web-01"), ("record", "product Awesome Store  "));
        Assert.Equal(
            ["""{"remote":"10.0.0.7","method":"GET","path":"/index.html","code":200,"Agent":"curl/8.5","hostname":"web-01","product":"Awesome Store"}"""],
            Run(filter, Nginx));
    }

    [Fact]
    public void Record_appends_even_when_the_key_exists_as_fluent_bit_does()
    {
        var filter = Init(new RecordModifierFilter(), ("record", "code 500"));
        Assert.Equal(["""{"code":200,"code":"500"}"""], Run(filter, """{"code":200}"""));
    }

    [Fact]
    public void Remove_key_drops_keys_without_case_and_a_trailing_star_drops_a_prefix()
    {
        var filter = Init(new RecordModifierFilter(), ("remove_key", "agent"), ("remove_key", "pa*"));
        Assert.Equal(["""{"remote":"10.0.0.7","method":"GET","code":200}"""], Run(filter, Nginx));
    }

    [Fact]
    public void Allowlist_and_its_whitelist_alias_keep_only_the_keys_listed_then_records_are_added()
    {
        var filter = Init(new RecordModifierFilter(), ("allowlist_key", "method"), ("whitelist_key", "CODE"), ("record", "env prod"));
        Assert.Equal(["""{"method":"GET","code":200,"env":"prod"}"""], Run(filter, Nginx));
    }

    [Fact]
    public void A_record_that_keeps_all_its_keys_is_unchanged()
    {
        Assert.Null(Answer(Init(new RecordModifierFilter(), ("remove_key", "absent")), Nginx));
    }

    [Fact]
    public void Uuid_key_adds_a_fresh_uuid_v4_per_record()
    {
        var filter = Init(new RecordModifierFilter(), ("uuid_key", "id"));
        var output = Run(filter, """{"a":1}""", """{"a":2}""");
        var ids = output.Select(o => System.Text.Json.JsonDocument.Parse(o).RootElement.GetProperty("id").GetString()!).ToArray();
        Assert.All(ids, id => Assert.Matches("^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$", id));
        Assert.NotEqual(ids[0], ids[1]);
        Assert.StartsWith("""{"a":1,"id":""", output[0]);
    }

    [Fact]
    public void Time_and_metadata_survive_and_bad_settings_name_the_key()
    {
        var result = Init(new RecordModifierFilter(), ("record", "k v")).Filter(FilterEvents.ChunkOf("t", """{"a":1}"""));
        Assert.Equal(FilterEvents.Time, CoreAgent.Engine.Records.EventReader.ReadAll(result.Events)[0].Time);

        Assert.Equal("record", Assert.Throws<PropertyException>(() => Init(new RecordModifierFilter(), ("record", "lonely"))).Key);
        var both = Assert.Throws<PropertyException>(() => Init(new RecordModifierFilter(), ("remove_key", "a"), ("allowlist_key", "b")));
        Assert.Contains("exclusive", both.Message);
    }
}

using CoreAgent.Engine.Plugins.Filters.Modify;
using CoreAgent.Engine.Plugins.Properties;
using static CoreAgent.Engine.Tests.Filters.FilterHarness;

namespace CoreAgent.Engine.Tests.Filters;

public class ModifyFilterTests
{
    private const string Record = """{"Mem.total":1016024,"Mem.used":716672,"Swap.total":2064380,"Swap.free":2064380,"level":"warn","msg":"low memory"}""";

    private static string[] Apply(params (string Key, string Value)[] rules) => Run(Init(new ModifyFilter(), rules), Record);

    [Fact]
    public void Set_replaces_and_moves_the_key_to_the_end_and_add_only_adds_a_missing_key()
    {
        Assert.Equal(["""{"Mem.total":1016024,"Mem.used":716672,"Swap.total":2064380,"Swap.free":2064380,"msg":"low memory","level":"error","host":"db 1"}"""],
            Apply(("set", "level error"), ("add", "host \"db 1\""), ("add", "msg ignored")));
    }

    [Fact]
    public void Remove_remove_wildcard_and_remove_regex()
    {
        Assert.Equal(["""{"level":"warn"}"""], Apply(("remove", "msg"), ("remove_wildcard", "Mem.*"), ("remove_regex", "^Swap\\.")));
    }

    [Fact]
    public void Rename_gives_way_to_an_existing_key_and_hard_rename_replaces_it()
    {
        Assert.Equal(["""{"Mem.total":1016024,"Mem.used":716672,"Swap.total":2064380,"Swap.free":2064380,"severity":"warn","msg":"low memory"}"""],
            Apply(("rename", "level severity"), ("rename", "msg severity")));
        Assert.Equal(["""{"Mem.total":1016024,"Mem.used":716672,"Swap.total":2064380,"Swap.free":2064380,"msg":"warn"}"""],
            Apply(("hard_rename", "level msg")));
    }

    [Fact]
    public void Copy_puts_the_copy_after_its_source_and_hard_copy_replaces_the_target()
    {
        Assert.Equal(["""{"Mem.total":1016024,"Mem.used":716672,"Swap.total":2064380,"Swap.free":2064380,"level":"warn","severity":"warn","msg":"low memory"}"""],
            Apply(("copy", "level severity"), ("copy", "msg severity")));
        Assert.Equal(["""{"Mem.total":1016024,"Mem.used":716672,"Swap.total":2064380,"Swap.free":2064380,"level":"warn","msg":"warn"}"""],
            Apply(("hard_copy", "level msg")));
    }

    [Fact]
    public void Move_to_start_and_move_to_end_keep_the_order_of_the_moved_keys()
    {
        Assert.Equal(["""{"Swap.total":2064380,"Swap.free":2064380,"level":"warn","msg":"low memory","Mem.total":1016024,"Mem.used":716672}"""],
            Apply(("move_to_end", "Mem.*")));
        Assert.Equal(["""{"msg":"low memory","Mem.total":1016024,"Mem.used":716672,"Swap.total":2064380,"Swap.free":2064380,"level":"warn"}"""],
            Apply(("move_to_start", "msg")));
    }

    [Fact]
    public void Rules_that_do_not_apply_leave_the_chunk_unchanged()
    {
        Assert.Null(Answer(Init(new ModifyFilter(), ("rename", "absent x"), ("remove", "absent"), ("add", "level x")), Record));
    }

    [Theory]
    [InlineData("Key_exists level", true)]
    [InlineData("Key_exists $kube['ns']", false)]
    [InlineData("Key_does_not_exist nothing", true)]
    [InlineData("A_key_matches ^Swap", true)]
    [InlineData("No_key_matches ^Swap", false)]
    [InlineData("Key_value_equals level warn", true)]
    [InlineData("Key_value_equals Mem.used 716672", false)]
    [InlineData("Key_value_does_not_equal level warn", false)]
    [InlineData("Key_value_does_not_equal absent warn", false)]
    [InlineData("Key_value_matches msg ^low", true)]
    [InlineData("Key_value_does_not_match msg ^low", false)]
    [InlineData("Matching_keys_have_matching_values ^(level|msg)$ ^(warn|low memory)$", true)]
    [InlineData("Matching_keys_have_matching_values ^Mem \\d+", false)]
    [InlineData("Matching_keys_do_not_have_matching_values ^Mem \\d+", true)]
    public void Every_condition_must_hold_for_the_rules_to_run(string condition, bool applies)
    {
        var output = Apply(("condition", condition), ("condition", "Key_exists msg"), ("set", "checked yes"));
        Assert.Equal(applies, output[0].Contains("\"checked\":\"yes\""));
    }

    [Fact]
    public void Conditions_read_nested_values_through_the_record_accessor()
    {
        var filter = Init(new ModifyFilter(), ("condition", "Key_value_equals $kubernetes['labels']['app'] web"), ("remove", "kubernetes"));
        Assert.Equal(["""{"log":"a"}""", """{"log":"b","kubernetes":{"labels":{"app":"db"}}}"""],
            Run(filter, """{"log":"a","kubernetes":{"labels":{"app":"web"}}}""", """{"log":"b","kubernetes":{"labels":{"app":"db"}}}"""));
    }

    [Theory]
    [InlineData("rename", "only_one")]
    [InlineData("set", "a \"unclosed")]
    [InlineData("condition", "Key_sounds_like a b")]
    [InlineData("remove_regex", "(")]
    public void A_bad_rule_fails_init_naming_the_property(string key, string value)
    {
        Assert.Equal(key, Assert.Throws<PropertyException>(() => Init(new ModifyFilter(), (key, value))).Key);
    }
}

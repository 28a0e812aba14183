using CoreAgent.Engine.Plugins.Filters.Shared;
using CoreAgent.Engine.Plugins.Properties;

namespace CoreAgent.Engine.Plugins.Filters.Modify;

/// <summary>
/// Fluent Bit's modify filter: when every Condition holds for a record, its rules run in the order
/// they were given, each on what the previous one left.
/// </summary>
public sealed class ModifyFilter : MapFilter
{
    public static PluginDescriptor Descriptor { get; } = new()
    {
        Name = "modify",
        Description = "modify records by applying rules",
        Type = PluginType.Filter,
        CreateFilter = () => new ModifyFilter(),
        Properties =
        [
            Rule("set", "KEY VALUE: set KEY to VALUE, replacing any pair with that key."),
            Rule("add", "KEY VALUE: add the pair when KEY is absent."),
            Rule("remove", "KEY: remove every pair with that key."),
            Rule("remove_wildcard", "PREFIX*: remove every pair whose key matches."),
            Rule("remove_regex", "REGEX: remove every pair whose key matches."),
            Rule("rename", "KEY NEW: rename KEY when NEW is absent."),
            Rule("hard_rename", "KEY NEW: rename KEY, replacing NEW."),
            Rule("copy", "KEY NEW: copy KEY's value to NEW when NEW is absent."),
            Rule("hard_copy", "KEY NEW: copy KEY's value to NEW, replacing NEW."),
            Rule("move_to_start", "PREFIX*: move the matching pairs to the start."),
            Rule("move_to_end", "PREFIX*: move the matching pairs to the end."),
            Rule("condition", "TYPE ARGS: apply the rules only when this holds (Key_exists KEY, Key_value_equals KEY VALUE, ...)."),
        ],
    };

    private static PropertySpec Rule(string name, string description) =>
        new(name, PropertyType.String, null, description + " May be repeated.") { Multiple = true };

    private ModifyCondition[] _conditions = [];
    private ModifyRule[] _rules = [];

    public override void Init(FilterContext context)
    {
        var conditions = new List<ModifyCondition>();
        var rules = new List<ModifyRule>();
        foreach (var property in context.Properties)
        {
            var key = property.Key.ToLowerInvariant();
            if (key == "condition") conditions.Add(ModifyCondition.Parse(property.Value));
            else if (ModifyRule.Names.Contains(key)) rules.Add(ModifyRule.Parse(key, property.Value));
        }
        _conditions = [.. conditions];
        _rules = [.. rules];
        if (_rules.Length == 0) context.Log.Warn("filter", $"{context.InstanceName}: no rules; every record passes unchanged");
    }

    protected override bool Edit(RecordMap map)
    {
        foreach (var condition in _conditions) if (!condition.IsMet(map)) return false;
        bool changed = false;
        foreach (var rule in _rules) changed |= rule.Apply(map.Entries);
        return changed;
    }
}

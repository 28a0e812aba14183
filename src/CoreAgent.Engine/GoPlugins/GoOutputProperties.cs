using CoreAgent.Engine.Plugins.Properties;

namespace CoreAgent.Engine.GoPlugins;

/// <summary>How a Go plugin instance runs.</summary>
public enum GoIsolation
{
    /// <summary>In a supervised plugin host process (the default): a crash or hang cannot take the session down.</summary>
    Process,

    /// <summary>Loaded into this process, with the signal repair: a little faster, but a panic ends the process.</summary>
    None,
}

/// <summary>The properties the engine itself handles for every Go output; every other key goes to the plugin.</summary>
public static class GoOutputProperties
{
    public const string EventShape = "event_shape";
    public const string Isolation = "isolation";

    public static IReadOnlyList<PropertySpec> All { get; } =
    [
        new(EventShape, PropertyType.String, "auto", "The record shape Flush gets: auto (from the plugin's fluent-bit-go revision), v2 or legacy.")
            { OneOf = ["auto", "v2", "legacy"] },
        new(Isolation, PropertyType.String, "process", "process: run the plugin in a supervised plugin host process, so a panic, crash, os.Exit or hang cannot take the session down; none: load it into this process (faster, unprotected).")
            { OneOf = ["process", "none"] },
    ];

    /// <summary>What a Go input accepts beyond the plugin's own keys.</summary>
    public static IReadOnlyList<PropertySpec> InputAll { get; } = [All[1]];

    /// <summary>Reads the isolation setting; null or empty means the default (process).</summary>
    public static GoIsolation ParseIsolation(string instance, string? value) => value?.Trim().ToLowerInvariant() switch
    {
        null or "" or "process" => GoIsolation.Process,
        "none" => GoIsolation.None,
        _ => throw new Plugins.PluginException($"{instance}: {Isolation} '{value}' is not one of process, none"),
    };
}

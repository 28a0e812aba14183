namespace CoreAgent.Engine.Pipeline;

/// <summary>
/// Stable codes of the problems found when a pipeline definition is checked against the plugins
/// (the configuration readers' own codes are in <see cref="Config.FindingCodes"/>).
/// </summary>
public static class ProblemCodes
{
    /// <summary>A value does not fit its property's type (number, size, boolean, JSON, ...).</summary>
    public const string BadValue = "bad-value";

    /// <summary>No plugin of that name and kind is built in or imported.</summary>
    public const string UnknownPlugin = "unknown-plugin";

    /// <summary>A built-in plugin does not know the property; the message lists the allowed ones.</summary>
    public const string UnknownProperty = "unknown-property";

    /// <summary>Two instances of the same kind have the same name (alias).</summary>
    public const string DuplicateName = "duplicate-name";

    /// <summary>A filter has neither Match nor Match_Regex, so it would apply to nothing (Fluent Bit refuses to start).</summary>
    public const string FilterWithoutMatch = "filter-without-match";

    /// <summary>A parser definition cannot be used (same code as the readers' finding).</summary>
    public const string BadParser = "bad-parser";

    /// <summary>A plugin names a parser (Parser, multiline.parser) that no parsers file or parsers: section defines.</summary>
    public const string UnknownParser = "unknown-parser";

    /// <summary>The pipeline has no input.</summary>
    public const string NoInput = "no-input";

    /// <summary>The pipeline has no output.</summary>
    public const string NoOutput = "no-output";

    /// <summary>Warning: a [SERVICE] key the engine does not know; it is ignored.</summary>
    public const string UnknownServiceKey = "unknown-service-key";

    /// <summary>Warning: a setting is accepted for compatibility but has no effect in CoreAgent.</summary>
    public const string SettingHasNoEffect = "setting-has-no-effect";

    /// <summary>Warning: a value the plugin does not know is replaced by its default (as Fluent Bit's stdout does with Format); the plugin says so at Init.</summary>
    public const string ValueFallsBack = "value-falls-back";

    /// <summary>A Go plugin named by Path, plugins_file or -PluginPath could not be loaded.</summary>
    public const string PluginLoadFailed = "plugin-load-failed";

    /// <summary>An output (or filter) matches the tag of no input: it will receive nothing.</summary>
    public const string OutputMatchesNothing = "output-matches-nothing";

    /// <summary>No output matches an input's tag: its records are discarded.</summary>
    public const string InputRoutesNowhere = "input-routes-nowhere";

    /// <summary>-ProbePlugins: a Go plugin's FLBPluginInit failed with the section's settings.</summary>
    public const string PluginInitFailed = "plugin-init-failed";

    /// <summary>-ProbePlugins: a Go plugin asked for a key the engine reserves; it always reads "".</summary>
    public const string ReservedKeyRead = "reserved-key-read";

    /// <summary>-ProbePlugins: the keys a Go plugin asked for (information).</summary>
    public const string PluginKeysRead = "plugin-keys-read";

    /// <summary>
    /// Information: a network input sets no Listen, so CoreAgent listens on loopback (127.0.0.1) where
    /// Fluent Bit would listen on 0.0.0.0; remote peers cannot connect until Listen is set.
    /// </summary>
    public const string ListenDefaultLoopback = "listen-default-loopback";
}

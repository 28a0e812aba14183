namespace CoreAgent.Engine.GoPlugins;

/// <summary>
/// What a failed FLBPluginInit means, in words: the plugin refused its configuration. The plugin
/// says why on its own output (printed above the error), so the message points there.
/// </summary>
public static class GoInitFailure
{
    public static string Describe(string kind, string library, string instance, long result) =>
        $"{kind} '{library}' ({instance}) refused to start: FLBPluginInit returned {result} ({Meaning(result)}). " +
        "The plugin rejected its configuration or could not reach what it needs; its own messages, printed just above, say why.";

    private static string Meaning(long result) => result switch
    {
        0 => "FLB_ERROR",
        2 => "FLB_RETRY, which is not a valid answer to Init",
        _ => "not a Fluent Bit return code",
    };
}

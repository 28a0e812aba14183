namespace CoreAgent.Engine.Config;

/// <summary>Settings of the configuration readers. The defaults suit real use; tests replace the environment.</summary>
public sealed class ConfigLoadOptions
{
    public static ConfigLoadOptions Default { get; } = new();

    /// <summary>Looks up an environment variable for ${name}; null or "" counts as unset, as in Fluent Bit.</summary>
    public Func<string, string?> GetEnvironmentVariable { get; init; } = Environment.GetEnvironmentVariable;

    /// <summary>How deep includes may nest (the main file is depth 1).</summary>
    public int MaxIncludeDepth { get; init; } = 64;

    /// <summary>How many files one configuration may read in all (Fluent Bit's limit is 1000).</summary>
    public int MaxFiles { get; init; } = 1000;

    /// <summary>Files larger than this are not read.</summary>
    public long MaxFileBytes { get; init; } = 64L * 1024 * 1024;

    /// <summary>Findings reported per file before the reader stops reporting that file's problems.</summary>
    public int MaxFindingsPerFile { get; init; } = 1000;
}

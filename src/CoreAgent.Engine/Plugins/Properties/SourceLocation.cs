namespace CoreAgent.Engine.Plugins.Properties;

/// <summary>Where a setting came from: a file and line for configuration files, or a label such as "-Output".</summary>
public sealed record SourceLocation(string File, int Line)
{
    public override string ToString() => Line > 0 ? $"{File}:{Line}" : File;
}

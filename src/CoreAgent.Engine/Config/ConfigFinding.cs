using CoreAgent.Engine.Plugins.Properties;

namespace CoreAgent.Engine.Config;

/// <summary>How bad a configuration finding is.</summary>
public enum ConfigSeverity
{
    /// <summary>The configuration is wrong: Fluent Bit would refuse it, or CoreAgent cannot run it as written.</summary>
    Error,

    /// <summary>The configuration works, but something in it is ignored, surprising, or not portable to Fluent Bit.</summary>
    Warning,

    /// <summary>Not a problem: something the check learned, such as the keys a Go plugin reads (-ProbePlugins).</summary>
    Information,
}

/// <summary>
/// One problem found in a configuration file. <see cref="Code"/> is one of the stable strings in
/// <see cref="FindingCodes"/>; <see cref="Line"/> is 1-based, or 0 when the finding is about a whole file.
/// </summary>
public sealed record ConfigFinding(
    ConfigSeverity Severity,
    string Code,
    string Message,
    string? File,
    int Line,
    string? Section = null,
    string? Key = null)
{
    /// <summary>Where the finding points, or null when it is not about a file.</summary>
    public SourceLocation? Location => File is null ? null : new SourceLocation(File, Line);

    public bool IsError => Severity == ConfigSeverity.Error;

    public override string ToString()
    {
        var where = File is null ? "" : Line > 0 ? $"{File}:{Line}: " : $"{File}: ";
        var severity = Severity.ToString().ToLowerInvariant();
        return $"{where}{severity} {Code}: {Message}";
    }
}

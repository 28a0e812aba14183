namespace CoreAgent.Engine.Config;

/// <summary>
/// Loads a Fluent Bit configuration file: .yaml and .yml are read as YAML, anything else in the
/// classic format. Never throws; see <see cref="ConfigLoadResult"/>.
/// </summary>
public static class ConfigLoader
{
    public static ConfigLoadResult Load(string path, ConfigLoadOptions? options = null) =>
        IsYamlPath(path) ? YamlConfigReader.Read(path, options) : ClassicConfigReader.Read(path, options);

    /// <summary>True for the extensions Fluent Bit reads as YAML (.yaml, .yml, any case).</summary>
    public static bool IsYamlPath(string? path) =>
        path is not null
        && (path.EndsWith(".yaml", StringComparison.OrdinalIgnoreCase) || path.EndsWith(".yml", StringComparison.OrdinalIgnoreCase));
}

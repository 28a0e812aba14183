namespace CoreAgent.Engine.Plugins.Properties;

/// <summary>The kinds of value a property can hold; each is checked when a pipeline is built.</summary>
public enum PropertyType { String, Integer, Double, Boolean, Size, Json, LogLevel, RetryLimit }

/// <summary>One property a plugin accepts: its name, type, default and what it does.</summary>
public sealed record PropertySpec(string Name, PropertyType Type, string? Default, string Description)
{
    /// <summary>Checks a value against the type; returns an error message, or null when it is valid.</summary>
    public string? Validate(string value) => PropertyValues.Check(Type, value);
}

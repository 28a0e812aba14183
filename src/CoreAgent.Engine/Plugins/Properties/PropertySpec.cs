using System.Globalization;

namespace CoreAgent.Engine.Plugins.Properties;

/// <summary>The kinds of value a property can hold; each is checked when a pipeline is built.</summary>
public enum PropertyType { String, Integer, Double, Boolean, Size, Json, LogLevel, RetryLimit }

/// <summary>Whether a property's value names files or folders: one path, or a comma list of them (patterns allowed).</summary>
public enum PathValue { None, Single, CommaList }

/// <summary>What kind of parser a property names, if any.</summary>
public enum ParserReference { None, Parser, MultilineParser }

/// <summary>One property a plugin accepts: its name, type, default and what it does.</summary>
public sealed record PropertySpec(string Name, PropertyType Type, string? Default, string Description)
{
    /// <summary>
    /// True when the key may be given several times (Fluent Bit's FLB_CONFIG_MAP_MULT), such as
    /// record_modifier's Record: every value is kept, in order. Any other repeated key is an error.
    /// </summary>
    public bool Multiple { get; init; }

    /// <summary>
    /// The value names a parser (a comma list for multiline parsers): the pipeline build checks that
    /// it is defined (unknown-parser), so a plugin can look it up in Init without failing.
    /// </summary>
    public ParserReference References { get; init; }

    /// <summary>
    /// The value names files or folders. The engine opens a relative one from the process's working
    /// directory, as Fluent Bit does; the cmdlets first make it absolute against PowerShell's current
    /// location (<see cref="Pipeline.RelativePaths"/>), since pwsh does not move the process's
    /// directory on Set-Location.
    /// </summary>
    public PathValue PathValue { get; init; }

    /// <summary>Smallest value allowed for a numeric property; unset means the type's own bound (see <see cref="PropertyRange"/>).</summary>
    public double? Min { get; init; }

    /// <summary>Largest value allowed for a numeric property; unset means the type's own bound (see <see cref="PropertyRange"/>).</summary>
    public double? Max { get; init; }

    /// <summary>For a String property that takes one of a few words (case-insensitive), those words.</summary>
    public IReadOnlyList<string>? OneOf { get; init; }

    /// <summary>
    /// For a <see cref="OneOf"/> property that the plugin, like Fluent Bit's, replaces by a default
    /// when the value is unknown (stdout's Format): that default. An unknown value is then a warning, not an error.
    /// </summary>
    public string? FallsBackTo { get; init; }

    /// <summary>
    /// Set when the key is accepted for compatibility but changes nothing in CoreAgent: why. A user
    /// who sets it is told so (a warning at start and in Test-AgentConfig).
    /// </summary>
    public string? NoEffect { get; init; }

    /// <summary>Checks a value against the type and the allowed range; returns an error message, or null when it is valid.</summary>
    public string? Validate(string value) =>
        PropertyValues.Check(Type, value) ?? PropertyRange.Check(this, value) ?? (FallsBackTo is null ? CheckOneOf(value) : null);

    /// <summary>What a user who set this key to this value should be told although it is valid (a <see cref="ProblemCodes"/> code and the words): it has no effect, or it falls back to the default.</summary>
    public (string Code, string Message)? Advise(string value)
    {
        if (NoEffect is not null) return (Pipeline.ProblemCodes.SettingHasNoEffect, $"'{Name}' has no effect in CoreAgent: {NoEffect}");
        if (FallsBackTo is not null && CheckOneOf(value) is { } unknown) return (Pipeline.ProblemCodes.ValueFallsBack, $"{unknown}; '{FallsBackTo}' is used instead");
        return null;
    }

    private string? CheckOneOf(string value) =>
        OneOf is null || OneOf.Contains(value.Trim(), StringComparer.OrdinalIgnoreCase)
            ? null
            : $"'{value.Trim()}' is not a value of '{Name}' (allowed: {string.Join(", ", OneOf)})";
}

/// <summary>
/// Range checks for numeric properties. Every Integer, Double and Size property has a range: its own
/// <see cref="PropertySpec.Min"/>/<see cref="PropertySpec.Max"/>, else a bound of its type that keeps
/// every value usable as a count, a timer or a buffer size (no overflow on a timer thread).
/// </summary>
public static class PropertyRange
{
    /// <summary>Integers fit a 32-bit count or a millisecond timer: -2147483648 to 2147483647.</summary>
    public const double IntegerMin = int.MinValue, IntegerMax = int.MaxValue;

    /// <summary>Doubles (seconds, rates) stay below a million.</summary>
    public const double DoubleMin = -1_000_000, DoubleMax = 1_000_000;

    /// <summary>Sizes stay below one petabyte.</summary>
    public const double SizeMax = 1e15;

    public static (double Min, double Max)? For(PropertySpec spec) => spec.Type switch
    {
        PropertyType.Integer => (spec.Min ?? IntegerMin, spec.Max ?? IntegerMax),
        PropertyType.Double => (spec.Min ?? DoubleMin, spec.Max ?? DoubleMax),
        PropertyType.Size => (spec.Min ?? 0, spec.Max ?? SizeMax),
        _ => null,
    };

    /// <summary>Returns "'x' is out of range for 'key' (allowed: a to b)" or null.</summary>
    public static string? Check(PropertySpec spec, string value)
    {
        if (For(spec) is not var (min, max)) return null;
        double number = spec.Type switch
        {
            PropertyType.Integer => double.Parse(value.Trim(), NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture),
            PropertyType.Double => PropertyValues.ParseDouble(spec.Name, value),
            _ => PropertyValues.ParseSizeValue(spec.Name, value),
        };
        return number >= min && number <= max ? null : $"'{value.Trim()}' is out of range for '{spec.Name}' (allowed: {Format(min)} to {Format(max)})";
    }

    private static string Format(double value) => value.ToString("0.###", CultureInfo.InvariantCulture);
}

using System.Globalization;
using System.Text.Json;

namespace CoreAgent.Engine.Plugins.Properties;

/// <summary>Parses property values the way Fluent Bit does (sizes use k = 1000, booleans accept on/off).</summary>
public static class PropertyValues
{
    public static bool ParseBool(string key, string value) => value.Trim().ToLowerInvariant() switch
    {
        "true" or "on" or "yes" or "1" => true,
        "false" or "off" or "no" or "0" => false,
        _ => throw new PropertyException(key, $"'{value}' is not a boolean (on, off, true, false)"),
    };

    public static long ParseInteger(string key, string value) =>
        long.TryParse(value.Trim(), NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var n)
            ? n
            : throw new PropertyException(key, $"'{value}' is not an integer");

    public static double ParseDouble(string key, string value) =>
        double.TryParse(value.Trim(), NumberStyles.Float, CultureInfo.InvariantCulture, out var n) && double.IsFinite(n)
            ? n
            : throw new PropertyException(key, $"'{value}' is not a number");

    /// <summary>Sizes such as 5M, 512k, 1G or 2MB; multipliers are powers of 1000, as in Fluent Bit.</summary>
    public static long ParseSize(string key, string value)
    {
        double size = ParseSizeValue(key, value);
        return size >= long.MaxValue ? throw new PropertyException(key, $"'{value}' is too large a size") : (long)size;
    }

    /// <summary>The size as a double, before any overflow: what range checks compare.</summary>
    public static double ParseSizeValue(string key, string value)
    {
        var text = value.Trim();
        long multiplier = 1;
        var upper = text.ToUpperInvariant();
        if (upper.EndsWith('B')) upper = upper[..^1];
        if (upper.Length > 0)
        {
            multiplier = upper[^1] switch { 'K' => 1000L, 'M' => 1000_000L, 'G' => 1000_000_000L, _ => 1 };
            if (multiplier != 1) upper = upper[..^1];
        }
        if (!double.TryParse(upper, NumberStyles.Float, CultureInfo.InvariantCulture, out var number) || number < 0 || !double.IsFinite(number))
            throw new PropertyException(key, $"'{value}' is not a size (for example 512k, 5M, 1G)");
        return number * multiplier;
    }

    /// <summary>Returns an error message for a value that does not fit the type, or null.</summary>
    public static string? Check(PropertyType type, string value)
    {
        try
        {
            switch (type)
            {
                case PropertyType.Integer: ParseInteger("", value); break;
                case PropertyType.Double: ParseDouble("", value); break;
                case PropertyType.Boolean: ParseBool("", value); break;
                case PropertyType.Size: ParseSizeValue("", value); break;
                case PropertyType.LogLevel: Logging.AgentLog.ParseLevel(value); break;
                case PropertyType.RetryLimit: RetryLimit.Parse("", value); break;
                case PropertyType.Json:
                    // Like flb_pack_json, several concatenated JSON values are accepted (dummy makes a record of each).
                    if (Records.JsonToMsgPack.ConvertAll(value).Count == 0) return "the value is empty, not JSON";
                    break;
            }
            return null;
        }
        catch (PropertyException ex) { return ex.Reason; }
        catch (FormatException ex) { return ex.Message; }
        catch (JsonException ex) { return $"'{value}' is not valid JSON: {ex.Message}"; }
    }
}

/// <summary>Retry_Limit: a count, or unlimited (no_limits/false/off), or none (no_retries).</summary>
public static class RetryLimit
{
    public const int Unlimited = -1;

    public static int Parse(string key, string value) => value.Trim().ToLowerInvariant() switch
    {
        "no_limits" or "false" or "off" => Unlimited,
        "no_retries" => 0,
        var text when int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var n) => n,
        _ => throw new PropertyException(key, $"'{value}' is not a retry limit (a number, no_limits, false, off or no_retries)"),
    };
}

/// <summary>A property whose value is wrong. The message names the key.</summary>
public sealed class PropertyException(string key, string reason) : Exception($"property '{key}': {reason}")
{
    public string Key { get; } = key;
    public string Reason { get; } = reason;
}

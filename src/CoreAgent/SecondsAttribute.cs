using System.Globalization;
using System.Management.Automation;

namespace CoreAgent.Commands;

/// <summary>
/// Lets a TimeSpan parameter take seconds, as Fluent Bit's settings do: a number (5, 1.5) or a
/// numeric string ("10") is seconds; a TimeSpan or a TimeSpan string ("00:00:10") is taken as it
/// is. Without it PowerShell reads 5 as 5 ticks and "10" as 10 days.
/// </summary>
[AttributeUsage(AttributeTargets.Property | AttributeTargets.Field)]
internal sealed class SecondsAttribute : ArgumentTransformationAttribute
{
    public override object? Transform(EngineIntrinsics engineIntrinsics, object? inputData)
    {
        var value = inputData is PSObject ps ? ps.BaseObject : inputData;
        double? seconds = value switch
        {
            byte or sbyte or short or ushort or int or uint or long or ulong or float or double or decimal => Convert.ToDouble(value, CultureInfo.InvariantCulture),
            string text when double.TryParse(text.Trim(), NumberStyles.Float, CultureInfo.InvariantCulture, out var parsed) => parsed,
            _ => null,
        };
        if (seconds is not { } s) return inputData; // a TimeSpan, or a string PowerShell converts to one
        // Zero and negative values become TimeSpans too, so that the parameter's range check names them.
        if (double.IsNaN(s) || Math.Abs(s) >= TimeSpan.MaxValue.TotalSeconds)
            throw new ArgumentTransformationMetadataException($"{s.ToString(CultureInfo.InvariantCulture)} is not a duration: give a number of seconds, or a TimeSpan");
        return TimeSpan.FromSeconds(s);
    }
}

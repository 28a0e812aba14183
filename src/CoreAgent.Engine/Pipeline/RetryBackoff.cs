namespace CoreAgent.Engine.Pipeline;

/// <summary>
/// Fluent Bit's retry wait: random(base, min(cap, base * 2^n)) + 1 seconds, where n counts the
/// retries of this chunk so far.
/// </summary>
public sealed class RetryBackoff(double baseSeconds, double capSeconds)
{
    public TimeSpan Next(int retry)
    {
        double exponential = Math.Min(capSeconds, baseSeconds * Math.Pow(2, Math.Min(retry, 30)));
        double upper = Math.Max(baseSeconds, exponential);
        double wait = baseSeconds + Random.Shared.NextDouble() * (upper - baseSeconds);
        return TimeSpan.FromSeconds(wait + 1);
    }
}

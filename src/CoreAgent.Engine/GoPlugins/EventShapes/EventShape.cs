namespace CoreAgent.Engine.GoPlugins.EventShapes;

/// <summary>The record shape a Go output receives in Flush.</summary>
public enum EventShape
{
    /// <summary>Fluent Bit 2+ events, <c>[[EventTime, {metadata}], {body}]</c>, passed unchanged.</summary>
    V2,

    /// <summary><c>[EventTime, {body}]</c>, for plugins built with fluent-bit-go older than a7a013e (2023-07-31).</summary>
    Legacy,
}

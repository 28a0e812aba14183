using CoreAgent.Engine.GoPlugins.EventShapes;

namespace CoreAgent.Engine.GoPlugins;

/// <summary>What Get-AgentPlugin shows about a Go plugin: its SDK revision and shape, its entry points, its event type.</summary>
public sealed record GoPluginFacts(GoSdkDetection Sdk, IReadOnlyList<string> EntryPoints, int EventType);

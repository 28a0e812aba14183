namespace CoreAgent.Engine.Tests.GoPlugins;

/// <summary>Go plugin tests share process-wide state (signal handlers, native allocation counts): run them alone.</summary>
[CollectionDefinition("go", DisableParallelization = true)]
public sealed class GoCollection;

namespace CoreAgent.Engine.GoPlugins;

/// <summary>Why a file could not be used as a Go output plugin; each maps to a stable error id in the cmdlets.</summary>
public enum GoPluginLoadError
{
    NotFound,
    NotElf,
    NotSharedObject,
    WrongArchitecture,
    LoadFailed,
    MissingRegister,
    MissingFlush,
    MissingInit,
    RegistrationAborted,
    NotOutputPlugin,
    NotGoProxy,
    InvalidName,
    NameConflict,
    UnsupportedPlatform,
}

public sealed class GoPluginLoadException(GoPluginLoadError error, string path, string message) : Exception(message)
{
    public GoPluginLoadError Error { get; } = error;
    public string PluginPath { get; } = path;
}

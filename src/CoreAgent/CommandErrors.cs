using System.Management.Automation;
using CoreAgent.Engine.GoPlugins;
using CoreAgent.Engine.Pipeline;

namespace CoreAgent.Commands;

/// <summary>The stable error ids of the module (the first part of every FullyQualifiedErrorId).</summary>
internal static class CommandErrors
{
    public const string InvalidPipelineDefinition = "InvalidPipelineDefinition";
    public const string PipelineStartFailed = "PipelineStartFailed";
    public const string PipelineNotFound = "PipelineNotFound";
    public const string PipelineAlreadyStarted = "PipelineAlreadyStarted";

    // Records as objects: Receive-/Send-AgentRecord, ConvertTo-/ConvertFrom-AgentMsgPack, Invoke-AgentOutput.
    public const string NoPowerShellOutput = "NoPowerShellOutput";
    public const string NoPowerShellInput = "NoPowerShellInput";
    public const string PipelineNotRunning = "PipelineNotRunning";
    public const string SendTimeout = "SendTimeout";
    public const string RecordConversionFailed = "RecordConversionFailed";
    public const string InvalidMsgPack = "InvalidMsgPack";
    public const string PathNotFound = "PathNotFound";
    public const string FileReadFailed = "FileReadFailed";
    public const string OutputPluginNotFound = "OutputPluginNotFound";
    public const string OutputInitFailed = "OutputInitFailed";
    public const string TagNotMatched = "TagNotMatched";
    public const string StorageWriteFailed = "StorageWriteFailed";

    public static ErrorRecord PluginLoad(GoPluginLoadException ex) => new(ex, ex.Error switch
    {
        GoPluginLoadError.NotFound => "PluginNotFound",
        GoPluginLoadError.NotElf or GoPluginLoadError.NotSharedObject or GoPluginLoadError.WrongArchitecture => "PluginNotSharedObject",
        GoPluginLoadError.MissingRegister or GoPluginLoadError.MissingInit or GoPluginLoadError.MissingFlush => "PluginMissingSymbol",
        GoPluginLoadError.NotOutputPlugin or GoPluginLoadError.NotGoProxy => "PluginNotGoOutput",
        GoPluginLoadError.RegistrationAborted => "PluginRegistrationAborted",
        GoPluginLoadError.NameConflict => "PluginNameConflict",
        GoPluginLoadError.InvalidName => "PluginInvalidName",
        GoPluginLoadError.UnsupportedPlatform => "PluginPlatformNotSupported",
        _ => "PluginLoadFailed",
    }, ex.Error == GoPluginLoadError.NotFound ? ErrorCategory.ObjectNotFound : ErrorCategory.InvalidData, ex.PluginPath);

    public static ErrorRecord InvalidDefinition(Exception ex, object? target) =>
        new(ex, InvalidPipelineDefinition, ErrorCategory.InvalidArgument, target)
        {
            ErrorDetails = ex is PipelineBuildException build ? new ErrorDetails(ex.Message) { RecommendedAction = Recommend(build) } : null,
        };

    private static string Recommend(PipelineBuildException build) =>
        build.Problems.Any(p => p.Message.Contains("unknown") && p.Message.Contains("plugin"))
            ? "Run Get-AgentPlugin to list the plugins, and Import-AgentPlugin (or -PluginPath) to load Go plugins."
            : "Run Get-AgentPlugin <name> | Select-Object -ExpandProperty Properties to list a plugin's properties.";
}

using System.Buffers;
using System.Collections;
using System.Management.Automation;
using CoreAgent.Commands.Records;
using CoreAgent.Engine.GoPlugins;
using CoreAgent.Engine.Logging;
using CoreAgent.Engine.Pipeline;
using CoreAgent.Engine.Plugins;

namespace CoreAgent.Commands;

/// <summary>
/// Runs one output plugin instance without a pipeline, for plugin authors: Init with -Property,
/// one Flush of every input object as one chunk, Exit; returns what happened (CoreAgent.OutputResult).
/// </summary>
[Cmdlet(VerbsLifecycle.Invoke, "AgentOutput")]
[OutputType(ResultTypeName)]
public sealed class InvokeAgentOutputCommand : PSCmdlet
{
    public const string ResultTypeName = "CoreAgent.OutputResult";
    private const string DefaultTag = "powershell.0";
    private readonly PSObjectToMsgPack _encoder = new();
    private readonly ArrayBufferWriter<byte> _chunk = new();

    /// <summary>The output plugin: a built-in one or an imported Go plugin; may be left out when -PluginPath names one library with one output.</summary>
    [Parameter(Position = 0)]
    [ArgumentCompleter(typeof(OutputPluginNameCompleter))]
    [ValidateNotNullOrEmpty]
    public string Plugin { get; set; } = "";

    [Parameter(Mandatory = true, Position = 1, ValueFromPipeline = true)]
    [AllowNull]
    [AllowEmptyCollection]
    public object?[] InputObject { get; set; } = [];

    /// <summary>The tag of the chunk.</summary>
    [Parameter]
    [ValidateNotNullOrEmpty]
    public string? Tag { get; set; }

    /// <summary>The instance's properties, as in an [OUTPUT] section.</summary>
    [Parameter]
    public Hashtable? Property { get; set; }

    /// <summary>The instance's Match pattern: the chunk is flushed only when it covers the tag, as the router would decide.</summary>
    [Parameter]
    [ValidateNotNullOrEmpty]
    public string? Match { get; set; }

    /// <summary>Go plugins (.so) to import first.</summary>
    [Parameter]
    [ValidateNotNullOrEmpty]
    public string[]? PluginPath { get; set; }

    /// <summary>Keep the members PowerShell adds to objects (PSPath, PSDrive, PSProvider, ...), which are left out by default.</summary>
    [Parameter]
    public SwitchParameter KeepPowerShellMembers { get; set; }

    protected override void ProcessRecord()
    {
        _encoder.KeepPowerShellMembers = KeepPowerShellMembers;
        foreach (var item in InputObject.SelectMany(PSObjectToMsgPack.Unroll))
        {
            try
            {
                _chunk.Write(_encoder.Encode(item).Span);
            }
            catch (Exception ex) when (ex is not PipelineStoppedException and not OutOfMemoryException)
            {
                WriteError(new ErrorRecord(ex, CommandErrors.RecordConversionFailed, ErrorCategory.InvalidData, item));
            }
        }
    }

    protected override void EndProcessing()
    {
        var imported = ImportPlugins();
        if (string.IsNullOrEmpty(Plugin)) Plugin = TheOnlyImportedOutput(imported);
        var plugin = AgentSession.Catalog.Find(Plugin, PluginType.Output);
        if (plugin is null)
        {
            var known = string.Join(", ", AgentSession.Catalog.All.Where(p => p.Type == PluginType.Output).Select(p => p.Name).Order());
            ThrowTerminatingError(new ErrorRecord(new ItemNotFoundException($"there is no output plugin '{Plugin}' (available: {known}); import Go plugins with -PluginPath or Import-AgentPlugin"),
                CommandErrors.OutputPluginNotFound, ErrorCategory.ObjectNotFound, Plugin));
        }
        string tag = Tag ?? DefaultTag;
        if (Match is not null && !new TagMatcher(Match, null).Matches(tag))
        {
            WriteError(new ErrorRecord(new InvalidOperationException($"Match '{Match}' does not cover the tag '{tag}': a pipeline would not route the records to {plugin!.Name}; nothing was flushed"),
                CommandErrors.TagNotMatched, ErrorCategory.InvalidArgument, tag));
            return;
        }

        using var forwarder = new LogForwarder();
        var log = new AgentLog();
        forwarder.Attach(log);
        forwarder.Attach(AgentSession.Log);
        try
        {
            var result = OneShotFlush.Run(plugin!, Properties(plugin!), tag, _chunk.WrittenMemory, log);
            forwarder.Drain(this);
            WriteObject(ToObject(result, tag));
        }
        catch (Exception ex) when (ex is PluginException or PipelineBuildException or ArgumentException)
        {
            forwarder.Drain(this);
            ThrowTerminatingError(new ErrorRecord(ex, CommandErrors.OutputInitFailed,
                ex is PluginException ? ErrorCategory.OpenError : ErrorCategory.InvalidArgument, Plugin));
        }
    }

    /// <summary>Without -Plugin, the plugin is the one output that -PluginPath imported; anything else is ambiguous.</summary>
    private string TheOnlyImportedOutput(List<PluginDescriptor> imported)
    {
        var outputs = imported.Where(p => p.Type == PluginType.Output).Select(p => p.Name).Distinct(StringComparer.OrdinalIgnoreCase).ToList();
        if (outputs.Count == 1) return outputs[0];
        string why = PluginPath is null or { Length: 0 }
            ? "name the output plugin with -Plugin, or give its .so with -PluginPath"
            : outputs.Count == 0
                ? $"-PluginPath imported no output plugin ({string.Join(", ", imported.Select(p => $"{p.Name} is an {p.Type.ToString().ToLowerInvariant()}"))}); name one with -Plugin"
                : $"-PluginPath imported {outputs.Count} output plugins ({string.Join(", ", outputs)}); name one with -Plugin";
        ThrowTerminatingError(new ErrorRecord(new ArgumentException(why), CommandErrors.OutputPluginNotFound, ErrorCategory.InvalidArgument, PluginPath));
        return "";
    }

    private List<PluginDescriptor> ImportPlugins()
    {
        var imported = new List<PluginDescriptor>();
        foreach (var path in PluginPath ?? [])
        {
            try
            {
                imported.Add(AgentSession.Catalog.ImportGo(SessionState.Path.GetUnresolvedProviderPathFromPSPath(path), AgentSession.Log));
            }
            catch (GoPluginLoadException ex)
            {
                ThrowTerminatingError(CommandErrors.PluginLoad(ex));
            }
        }
        return imported;
    }

    /// <summary>-Property (and -Match) as the instance's settings, converted as -Output hashtables are.</summary>
    private Engine.Plugins.Properties.PluginProperties Properties(PluginDescriptor plugin)
    {
        var table = new Hashtable(StringComparer.OrdinalIgnoreCase);
        if (Property is not null)
            foreach (DictionaryEntry entry in Property) table[entry.Key] = entry.Value;
        table["Name"] = plugin.Name;
        if (Match is not null) table["Match"] = Match;
        var definition = PipelineDefinitionFactory.Create(null, null, null, [table], null, null);
        return definition.Outputs[0].Properties;
    }

    private static PSObject ToObject(OneShotFlushResult result, string tag)
    {
        var output = new PSObject();
        output.TypeNames.Insert(0, ResultTypeName);
        output.Properties.Add(new PSNoteProperty("Plugin", result.Plugin));
        output.Properties.Add(new PSNoteProperty("Instance", result.Instance));
        output.Properties.Add(new PSNoteProperty("Tag", tag));
        output.Properties.Add(new PSNoteProperty("Result", result.Result.ToString()));
        output.Properties.Add(new PSNoteProperty("ResultCode", (int)result.Result));
        output.Properties.Add(new PSNoteProperty("Records", result.Records));
        output.Properties.Add(new PSNoteProperty("Bytes", result.Bytes));
        output.Properties.Add(new PSNoteProperty("Duration", result.Duration));
        output.Properties.Add(new PSNoteProperty("RequestedKeys", result.RequestedKeys.ToArray()));
        output.Properties.Add(new PSNoteProperty("Error", result.FlushError));
        return output;
    }
}

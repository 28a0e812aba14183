using System.Buffers;
using System.Collections;
using System.Collections.Concurrent;
using System.Management.Automation;
using CoreAgent.Commands.Records;
using CoreAgent.Engine.Config;
using CoreAgent.Engine.GoPlugins;
using CoreAgent.Engine.Logging;
using CoreAgent.Engine.Pipeline;
using CoreAgent.Engine.Pipeline.Rehearsal;
using CoreAgent.Engine.Plugins;
using CoreAgent.Engine.Plugins.Properties;
using CoreAgent.Engine.Records;
using CoreAgent.Engine.Validation;

namespace CoreAgent.Commands;

/// <summary>
/// Runs records through a pipeline's filters and routes without running the pipeline (see
/// <see cref="PipelineRehearsal"/>) and returns what each output would have received. Records
/// are collected per tag and routed at the end, in chunks as an input would seal them.
/// </summary>
[Cmdlet(VerbsDiagnostic.Test, "AgentPipeline", DefaultParameterSetName = NewAgentPipelineCommand.PathSet)]
[OutputType(typeof(AgentPipelineTestResult))]
public sealed class TestAgentPipelineCommand : PSCmdlet, IDisposable
{
    internal const string FilterFailed = "FilterFailed";
    internal const string TagRequired = "TagRequired";

    private readonly PSObjectToMsgPack _encoder = new() { TakeTag = true };
    private readonly Dictionary<string, ArrayBufferWriter<byte>> _pending = new(StringComparer.Ordinal);
    private readonly List<string> _tagOrder = [];
    private readonly ConcurrentQueue<LogEntry> _log = new();
    private readonly List<string> _notes = [];
    private readonly List<ConfigFinding> _warnings = [];
    private PipelineRehearsal? _rehearsal;
    private string? _defaultTag;
    private long _received;

    /// <summary>A Fluent Bit configuration file (classic .conf or YAML) to test.</summary>
    [Parameter(Mandatory = true, Position = 0, ParameterSetName = NewAgentPipelineCommand.PathSet)]
    [ValidateNotNullOrEmpty]
    public string? Path { get; set; }

    [Parameter(Mandatory = true, ParameterSetName = NewAgentPipelineCommand.DefinitionSet)]
    [ArgumentCompleter(typeof(PluginNameCompleter))]
    public object[] Input { get; set; } = [];

    [Parameter(ParameterSetName = NewAgentPipelineCommand.DefinitionSet)]
    public object[]? Filter { get; set; }

    [Parameter(Mandatory = true, ParameterSetName = NewAgentPipelineCommand.DefinitionSet)]
    [ArgumentCompleter(typeof(PluginNameCompleter))]
    public object[] Output { get; set; } = [];

    [Parameter(ParameterSetName = NewAgentPipelineCommand.DefinitionSet)]
    public Hashtable? Service { get; set; }

    /// <summary>Go plugins to load first; one that does not exist is a note, and the names it would provide get stand-ins.</summary>
    [Parameter]
    [ValidateNotNullOrEmpty]
    public string[]? PluginPath { get; set; }

    /// <summary>The tag of records that carry none (no Tag property); default: the tag of the pipeline's only input.</summary>
    [Parameter]
    [ValidateNotNullOrEmpty]
    public string? Tag { get; set; }

    /// <summary>The records, as Send-AgentRecord takes them.</summary>
    [Parameter(ValueFromPipeline = true)]
    [AllowNull]
    [AllowEmptyString]
    [AllowEmptyCollection]
    public object? InputObject { get; set; }

    protected override void BeginProcessing()
    {
        var extra = PluginPath?.Select(p => SessionState.Path.GetUnresolvedProviderPathFromPSPath(p)).ToArray() ?? [];
        PipelineDefinition definition;
        bool standIn;
        if (ParameterSetName == NewAgentPipelineCommand.PathSet)
        {
            string resolved = SessionState.Path.GetUnresolvedProviderPathFromPSPath(Path);
            var loaded = ConfigLoader.Load(resolved);
            var findings = ConfigChecker.Check(loaded, AgentSession.Catalog, extraPluginPaths: extra, standInMissingPlugins: true);
            _notes.AddRange(findings.Where(StandInPlugins.IsMissingPluginFinding).Select(f => $"{f.Location}: {f.Message}"));
            var problems = findings.Where(f => !StandInPlugins.IsMissingPluginFinding(f)).ToList();
            _warnings.AddRange(problems.Where(f => f.Severity == ConfigSeverity.Warning));
            ConfigFileLoader.Report(this, resolved, problems);
            definition = loaded.Definition;
            standIn = StandInPlugins.AnyMissing(loaded, extra);
            NoteMissing(extra);
        }
        else
        {
            definition = DefinitionParameters.Create(this, null, Input, Filter, Output, Service, null);
            standIn = NoteMissing(extra);
            foreach (var key in ServiceSettings.UnknownKeys(definition.Service))
                WriteWarning($"service key '{key.Key}' is not known to CoreAgent and is ignored");
        }
        ImportPlugins(extra);

        var log = new AgentLog();
        log.Written += _log.Enqueue;
        try
        {
            _rehearsal = PipelineRehearsal.Create(definition, AgentSession.Catalog, standIn, log);
        }
        catch (Exception ex) when (ex is PipelineBuildException or ArgumentException or FormatException)
        {
            ThrowTerminatingError(CommandErrors.InvalidDefinition(ex, definition.Name));
        }
        catch (Exception ex) when (ex is PluginException or PropertyException)
        {
            ThrowTerminatingError(new ErrorRecord(ex, CommandErrors.PipelineStartFailed, ErrorCategory.InvalidOperation, definition.Name));
        }
        finally
        {
            ForwardLog();
        }
        foreach (var output in _rehearsal!.Outputs.Where(o => o.IsStandIn))
            _notes.Add($"output {output.Name} ('{output.Plugin.Name}') is not a known plugin; it stands in for a Go plugin that could not be loaded and routes by its Match rules");
        foreach (var input in _rehearsal.Inputs.Where(i => i.IsStandIn))
            _notes.Add($"input {input.Name} ('{input.Plugin.Name}') is not a known plugin; it stands in for a Go plugin that could not be loaded");
        foreach (var note in _notes) WriteVerbose(note);
        if (_rehearsal.Inputs.Count == 1) _defaultTag = _rehearsal.Inputs[0].Tag;
    }

    /// <summary>Notes the plugin paths that do not exist; true when there is one.</summary>
    private bool NoteMissing(string[] paths)
    {
        var missing = paths.Where(p => !File.Exists(p)).ToList();
        foreach (var path in missing) _notes.Add($"plugin '{path}' does not exist; it is not loaded");
        return missing.Count > 0;
    }

    private void ImportPlugins(string[] paths)
    {
        foreach (var path in paths.Where(File.Exists))
        {
            try
            {
                AgentSession.Catalog.ImportGo(path, AgentSession.Log);
            }
            catch (GoPluginLoadException ex)
            {
                ThrowTerminatingError(CommandErrors.PluginLoad(ex));
            }
        }
    }

    protected override void ProcessRecord()
    {
        if (!MyInvocation.ExpectingInput && !MyInvocation.BoundParameters.ContainsKey(nameof(InputObject))) return;
        foreach (var item in PSObjectToMsgPack.Unroll(InputObject))
        {
            _received++;
            ReadOnlyMemory<byte> encoded;
            try
            {
                encoded = _encoder.Encode(item);
            }
            catch (Exception ex) when (ex is not PipelineStoppedException and not OutOfMemoryException)
            {
                WriteError(new ErrorRecord(ex, CommandErrors.RecordConversionFailed, ErrorCategory.InvalidData, item));
                continue;
            }
            string tag = _encoder.LastTag ?? Tag ?? _defaultTag ?? throw NoTag(item);
            Append(tag, encoded.Span);
        }
    }

    private PipelineStoppedException NoTag(object? item)
    {
        var tags = string.Join(", ", _rehearsal!.Inputs.Select(i => $"{i.Name} '{i.Tag}'"));
        var message = $"record {_received} has no tag: give -Tag, or a Tag property on the record (the pipeline has {_rehearsal.Inputs.Count} inputs: {tags})";
        ThrowTerminatingError(new ErrorRecord(new ArgumentException(message), TagRequired, ErrorCategory.InvalidArgument, item));
        return new PipelineStoppedException(); // unreachable: ThrowTerminatingError always throws
    }

    // Records of one tag collect until a chunk's worth, as an input seals them; then they are routed.
    private void Append(string tag, ReadOnlySpan<byte> encoded)
    {
        if (!_pending.TryGetValue(tag, out var buffer))
        {
            _pending[tag] = buffer = new ArrayBufferWriter<byte>();
            _tagOrder.Add(tag);
        }
        if (buffer.WrittenCount > 0 && buffer.WrittenCount + encoded.Length > Chunk.TargetSize) Route(tag, buffer);
        buffer.Write(encoded);
    }

    private void Route(string tag, ArrayBufferWriter<byte> buffer)
    {
        try
        {
            _rehearsal!.Route(tag, buffer.WrittenMemory);
        }
        catch (FilterFailedException ex)
        {
            ThrowTerminatingError(new ErrorRecord(ex, FilterFailed, ErrorCategory.InvalidResult, ex.Filter)
            {
                ErrorDetails = new ErrorDetails(ex.Message) { RecommendedAction = "A running pipeline would pass the chunk on unchanged with a warning; fix the filter so that it handles these records." },
            });
        }
        finally
        {
            buffer.ResetWrittenCount();
            ForwardLog();
        }
    }

    protected override void EndProcessing()
    {
        foreach (var tag in _tagOrder)
        {
            var buffer = _pending[tag];
            if (buffer.WrittenCount > 0) Route(tag, buffer);
        }
        WriteObject(new AgentPipelineTestResult(_rehearsal!, _notes, _warnings));
    }

    /// <summary>What filters logged (a script's Write-Warning, for example), on the cmdlet's thread.</summary>
    private void ForwardLog()
    {
        while (_log.TryDequeue(out var entry))
        {
            if (entry.Level <= LogLevel.Warn) WriteWarning($"[{entry.Source}] {entry.Message}");
            else if (entry.Level == LogLevel.Info) WriteVerbose($"[{entry.Source}] {entry.Message}");
        }
    }

    protected override void StopProcessing() => _rehearsal?.Cancel();

    public void Dispose()
    {
        _rehearsal?.Dispose();
        _rehearsal = null;
    }
}

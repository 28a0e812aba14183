using CoreAgent.Engine.Logging;
using CoreAgent.Engine.Plugins;
using CoreAgent.Engine.Plugins.Properties;
using CoreAgent.Engine.Records;

namespace CoreAgent.Engine.Pipeline.Rehearsal;

/// <summary>
/// A dry run of a pipeline (Test-AgentPipeline): built from the same definition, validated by the
/// same builder, with the same filter instances, filter chain and router as a running
/// <see cref="AgentPipeline"/>, but no input is started and every output is replaced by an
/// <see cref="OutputCapture"/>, so nothing listens, opens a file or contacts a destination. Events
/// handed to <see cref="Route"/> go through the filters whose Match covers their tag and are copied
/// to every output whose Match covers it; what no output takes is kept in <see cref="Unmatched"/>.
/// A filter that fails throws <see cref="FilterFailedException"/> instead of passing the chunk on.
/// Not thread-safe: one caller routes at a time.
/// </summary>
public sealed class PipelineRehearsal : IDisposable
{
    private readonly ChunkRouter<OutputCapture> _router;
    private readonly List<CapturedChunk> _unmatched = [];
    private readonly CancellationTokenSource _stop = new();
    private readonly List<FilterInstance> _initialized = [];

    private PipelineRehearsal(PipelineDefinition definition, IReadOnlyList<RehearsalInput> inputs,
        IReadOnlyList<FilterInstance> filters, IReadOnlyList<OutputCapture> outputs)
    {
        Definition = definition;
        Inputs = inputs;
        Filters = filters;
        Outputs = outputs;
        _router = new ChunkRouter<OutputCapture>(new FilterChain(filters), outputs, o => o.Matcher);
    }

    public PipelineDefinition Definition { get; }
    public string Name => Definition.Name;
    public IReadOnlyList<RehearsalInput> Inputs { get; }
    public IReadOnlyList<FilterInstance> Filters { get; }
    public IReadOnlyList<OutputCapture> Outputs { get; }

    /// <summary>Chunks (after the filters) whose tag no output matches: the running pipeline discards them.</summary>
    public IReadOnlyList<CapturedChunk> Unmatched => _unmatched;

    /// <summary>Records handed to <see cref="Route"/>.</summary>
    public long RecordsIn { get; private set; }

    /// <summary>
    /// Builds the rehearsal and initialises its filters. With <paramref name="standInUnknownPlugins"/>
    /// (a Go plugin the configuration names could not be found), input and output names the catalog
    /// does not know get stand-ins (<see cref="StandInPlugins"/>) instead of failing the build.
    /// </summary>
    /// <exception cref="PipelineBuildException">The definition is not valid, as for <see cref="AgentPipeline.Build"/>.</exception>
    /// <exception cref="PluginException">A filter failed to initialise.</exception>
    public static PipelineRehearsal Create(PipelineDefinition definition, PluginCatalog catalog, bool standInUnknownPlugins = false, AgentLog? log = null)
    {
        var resolved = PipelineBuilder.Resolve(definition, standInUnknownPlugins ? StandInPlugins.With(definition, catalog) : catalog);
        log ??= AgentLog.Null;
        var inputs = resolved.Inputs.Select(i => new RehearsalInput(i.Name, i.Plugin, RouteRules.InputTag(i.Spec, i.Name))).ToList();
        var outputs = resolved.Outputs.Select(o =>
        {
            var matcher = RouteRules.OutputMatcher(o.Spec, resolved.Inputs.Count, resolved.Outputs.Count, out bool defaultRoute);
            return new OutputCapture(o.Name, o.Plugin, o.Spec, matcher, defaultRoute);
        }).ToList();
        var filters = resolved.Filters
            .Select(f => new FilterInstance(f.Name, f.Plugin, f.Plugin.CreateFilter!(), RouteRules.FilterMatcher(f.Spec), log, rehearsal: true))
            .ToList();
        var rehearsal = new PipelineRehearsal(definition, inputs, filters, outputs);
        rehearsal.InitFilters(resolved.Filters, log);
        return rehearsal;
    }

    private void InitFilters(List<PipelineBuilder.ResolvedInstance> specs, AgentLog log)
    {
        var id = Guid.NewGuid();
        try
        {
            for (int i = 0; i < Filters.Count; i++)
            {
                var filter = Filters[i];
                filter.Init(new FilterContext(filter.Name, specs[i].Spec.Properties, log, id, _stop.Token) { IsRehearsal = true });
                _initialized.Add(filter);
            }
        }
        catch (Exception ex)
        {
            Dispose();
            throw ex is PluginException or PropertyException ? ex : new PluginException(ex.Message, ex);
        }
    }

    /// <summary>
    /// Routes events (a concatenation of v2 or legacy events) under <paramref name="tag"/>, as the
    /// router routes a chunk an input sealed; more than a chunk's worth is cut into chunks of about
    /// <see cref="Chunk.TargetSize"/> bytes, as an input would. Returns the number of records.
    /// </summary>
    /// <exception cref="FormatException">The bytes are not Fluent Bit events; nothing was routed.</exception>
    /// <exception cref="FilterFailedException">A filter failed.</exception>
    public int Route(string tag, ReadOnlyMemory<byte> events)
    {
        ArgumentException.ThrowIfNullOrEmpty(tag);
        var slices = EventReader.ReadAll(events);
        int first = 0, start = 0; // events follow each other without gaps, so offsets add up
        while (first < slices.Count)
        {
            int end = first, size = 0;
            do size += slices[end++].Raw.Length;
            while (end < slices.Count && size + slices[end].Raw.Length <= Chunk.TargetSize);
            RouteChunk(Chunk.FromBytes(tag, events.Span.Slice(start, size), end - first));
            first = end;
            start += size;
        }
        RecordsIn += slices.Count;
        return slices.Count;
    }

    private void RouteChunk(Chunk chunk, int depth = 0)
    {
        var emitted = new List<Chunk>();
        var routed = _router.Filter(chunk, static _ => { }, emitted);
        // Records a rewrite_tag filter re-emitted go through the filters again, as in a running pipeline.
        if (routed is not null) Capture(routed);
        foreach (var next in emitted)
        {
            if (depth < 8) RouteChunk(next, depth + 1);
            else next.SetReferences(0, null);
        }
    }

    private void Capture(Chunk routed)
    {
        try
        {
            var targets = _router.TargetsOf(routed.Tag);
            var captured = new CapturedChunk(routed.Tag, routed.Span.ToArray(), routed.RecordCount);
            if (targets.Length == 0) _unmatched.Add(captured);
            foreach (var output in targets) output.Add(captured);
        }
        finally
        {
            routed.SetReferences(0, null); // back to the pool
        }
    }

    /// <summary>Tells a running filter to give up (Ctrl+C in the cmdlet); the rehearsal then fails.</summary>
    public void Cancel() => _stop.Cancel();

    /// <summary>Exits every filter that was initialised.</summary>
    public void Dispose()
    {
        foreach (var filter in _initialized) filter.Exit();
        _initialized.Clear();
    }
}

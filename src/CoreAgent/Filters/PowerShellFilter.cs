using System.Buffers;
using System.Collections;
using System.Management.Automation;
using CoreAgent.Commands.Records;
using CoreAgent.Engine.Plugins;
using CoreAgent.Engine.Plugins.Properties;
using CoreAgent.Engine.Records;
using MessagePack;

namespace CoreAgent.Commands.Filters;

/// <summary>
/// The powershell filter: runs a script block once per record with the record as <c>$_</c>, the same
/// CoreAgent.Record object Receive-AgentRecord gives (body fields, then Tag, Timestamp,
/// TimestampNanoseconds and Metadata; see src/CoreAgent/Records). What the block outputs for a record
/// decides its fate: nothing, $null or $false drop it; $true keeps it as it is; $_ keeps it with any
/// changes made to it (Timestamp and Metadata included); a hashtable or another object becomes the
/// new body (time and metadata stay); several outputs make several records. Any error, or an output
/// of another kind (a string, a number), passes the whole chunk unchanged with a warning; in a
/// rehearsal (Test-AgentPipeline) it throws instead, so that the test fails.
/// </summary>
/// <remarks>
/// The block travels as text in the <c>script</c> property rather than as a ScriptBlock object in a
/// session-wide table (<c>script_id</c>) or an object slot on the definition. It has to be re-created
/// inside the filter's own runspace anyway: a ScriptBlock belongs to the session state it was
/// created in, and must not be invoked from an engine thread. Text keeps the definition plain data,
/// needs no registry to clean up when a pipeline goes, and works the same from a hashtable or a
/// configuration file. The caller's variables that the block reads with <c>$using:</c> are copied
/// when the pipeline is defined and travel in the <c>using</c> property (see <see cref="UsingValues"/>);
/// a configuration file has no caller, so $using: there is refused with a clear message rather
/// than silently reading $null (see <see cref="ScriptText"/>).
/// </remarks>
public sealed class PowerShellFilter : IFilterPlugin
{
    public const string PluginName = "powershell";

    public static PluginDescriptor Descriptor { get; } = new()
    {
        Name = PluginName,
        Description = "Filter or rewrite records with a PowerShell script block ($_ is the record)",
        Type = PluginType.Filter,
        CreateFilter = () => new PowerShellFilter(),
        Properties =
        [
            new("script", PropertyType.String, null,
                "The script block, as text. It runs once per record with $_ = the record (body fields, Tag, Timestamp); " +
                "output nothing/$null/$false to drop it, $true or $_ to keep it, a hashtable or object to replace its body."),
            new(UsingValues.Property, PropertyType.String, null,
                "Set by -Filter when the block uses $using:: the caller's variables, copied as CliXml when the pipeline is defined."),
        ],
    };

    private const int BatchSize = 1000;

    private readonly List<PSObject> _records = [];
    private readonly ArrayBufferWriter<byte> _events = new();
    private readonly PSObjectToMsgPack _encoder = new();
    private FilterContext _context = null!;
    private ScriptRunner? _runner;
    private CancellationTokenRegistration _stopping;

    public void Init(FilterContext context)
    {
        _context = context;
        string script = context.Properties.Get("script") ?? throw new PropertyException("script", "is required: the script block to run for each record");
        var usingValues = RestoreUsing(context.Properties.Get(UsingValues.Property));
        ScriptText.Check(script, usingValues);
        try
        {
            _runner = new ScriptRunner(script, usingValues, context.InstanceName, context.Log);
        }
        catch (Exception ex) when (ex is not PropertyException)
        {
            throw new PluginException($"{context.InstanceName}: the script cannot run: {ex.Message}", ex);
        }
        _stopping = context.Stopping.Register(_runner.Stop);
    }

    private static System.Collections.Hashtable? RestoreUsing(string? serialized)
    {
        if (string.IsNullOrEmpty(serialized)) return null;
        try
        {
            return UsingValues.Restore(serialized);
        }
        catch (Exception ex) when (ex is FormatException or System.Xml.XmlException or PSArgumentException or InvalidOperationException)
        {
            throw new PropertyException(UsingValues.Property, $"is not a table of $using: values captured by -Filter: {ex.Message}");
        }
    }

    public FilterResult Filter(Chunk chunk)
    {
        if (_runner is null) return FilterResult.Unchanged;
        if (_context.Stopping.IsCancellationRequested)
        {
            _context.Log.Warn("filter", $"{_context.InstanceName}: the pipeline's grace period is over; a chunk of {chunk.RecordCount} records of '{chunk.Tag}' passes unfiltered");
            return FilterResult.Unchanged;
        }
        var events = EventReader.ReadAll(chunk.Memory);
        try
        {
            _events.ResetWrittenCount();
            int count = 0;
            bool changed = false;
            // One invocation per batch of records rather than per chunk: a full chunk holds some
            // 70000 records, and 70000 live PSObjects make every gen0 collection copy them all.
            for (int first = 0; first < events.Count; first += BatchSize)
            {
                int end = Math.Min(events.Count, first + BatchSize);
                _records.Clear();
                for (int i = first; i < end; i++) _records.Add(MsgPackToPSObject.ToRecord(events[i], chunk.Tag));
                var outputs = _runner.Run(_records);
                for (int i = first; i < end; i++) Append(events[i], i, outputs[i - first], ref count, ref changed);
            }
            if (!changed) return FilterResult.Unchanged;
            return count == 0 ? FilterResult.DropAll : FilterResult.Replace(_events.WrittenMemory, count);
        }
        catch (Exception ex) when ((ex is ScriptFailedException or ScriptResultException) && !_context.IsRehearsal)
        {
            _context.Log.Warn("filter", $"{_context.InstanceName}: the script failed on a chunk of {chunk.RecordCount} records of '{chunk.Tag}', which pass unchanged: {ex.Message}");
            return FilterResult.Unchanged;
        }
        finally
        {
            _records.Clear();
        }
    }

    /// <summary>
    /// Appends what one record's outputs make of it. <paramref name="changed"/> stays false while
    /// every record comes back exactly once and as it went in, so the chunk can pass as it is.
    /// </summary>
    private void Append(EventSlice e, int index, object?[] produced, ref int count, ref bool changed)
    {
        if (produced.Length != 1) changed = true;
        foreach (var output in produced)
        {
            // Booleans can arrive wrapped (Write-Output $true); a PSCustomObject is its wrapper.
            switch (output is PSObject { BaseObject: not PSCustomObject } wrapped ? wrapped.BaseObject : output)
            {
                case null or false:
                    changed = true;
                    continue;
                case true:
                    _events.Write(e.Raw.Span);
                    break;
                default:
                    changed |= !AppendBody(e, index, output!);
                    break;
            }
            count++;
        }
    }

    /// <summary>Writes the event an output object makes; returns true when it is byte for byte the original.</summary>
    private bool AppendBody(EventSlice e, int index, object output)
    {
        if (!IsBody(output))
            throw new ScriptResultException($"record {index + 1} gave a {(output is PSObject p ? p.BaseObject : output).GetType().Name} " +
                $"('{output}'): output $true or $false, $_, a hashtable or an object");
        try
        {
            if (output is PSObject record && record.TypeNames.Count > 0 && record.TypeNames[0] == MsgPackToPSObject.RecordTypeName)
            {
                // $_ (or another record): its own time, metadata and body, changes included.
                var whole = _encoder.Encode(record).Span;
                _events.Write(whole);
                return whole.SequenceEqual(e.Raw.Span);
            }
            // A new body: the record keeps its exact time and metadata.
            var encoded = _encoder.Encode(output, e.Time.ToDateTimeOffset());
            var reader = new MessagePackReader(encoded);
            var body = EventReader.ReadOne(ref reader, encoded).Body.Span;
            if (body.SequenceEqual(e.Body.Span))
            {
                _events.Write(e.Raw.Span);
                return true;
            }
            int size = EventEncoder.SizeOf(e.Metadata.Span, body);
            _events.Advance(EventEncoder.Write(_events.GetSpan(size), e.Time, e.Metadata.Span, body));
            return false;
        }
        catch (Exception ex) when (ex is ArgumentException or FormatException or InvalidOperationException)
        {
            throw new ScriptResultException($"record {index + 1}: its output cannot be a record: {ex.Message}");
        }
    }

    /// <summary>A hashtable (any dictionary) or an object with properties; not a scalar, a string or a collection.</summary>
    private static bool IsBody(object output) => (output is PSObject ps ? ps.BaseObject : output) switch
    {
        IDictionary or PSCustomObject => true,
        string or ValueType or IEnumerable => false,
        _ => true,
    };

    public void Exit()
    {
        _stopping.Dispose();
        _runner?.Dispose();
        _runner = null;
    }

    private sealed class ScriptResultException(string message) : Exception(message);
}

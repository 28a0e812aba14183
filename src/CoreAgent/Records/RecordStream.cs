using System.Management.Automation;
using CoreAgent.Engine.Plugins.Outputs;
using CoreAgent.Engine.Records;

namespace CoreAgent.Commands.Records;

/// <summary>
/// The records of one pipeline's powershell output(s), as CoreAgent.Record objects. Records are
/// made here, on the thread of the cmdlet that takes them; engine threads only fill the buffers.
/// </summary>
internal sealed class RecordStream
{
    private readonly AgentPipelineInfo _pipeline;
    private readonly RecordBuffer[] _buffers;

    private RecordStream(AgentPipelineInfo pipeline, RecordBuffer[] buffers)
    {
        _pipeline = pipeline;
        _buffers = buffers;
    }

    /// <summary>The stream of the pipeline's powershell outputs (only <paramref name="outputName"/> when given), or null when it has none.</summary>
    public static RecordStream? Open(AgentPipelineInfo pipeline, string? outputName)
    {
        var buffers = pipeline.Engine.Outputs
            .Where(o => outputName is null || o.Name.Equals(outputName, StringComparison.OrdinalIgnoreCase))
            .Select(PowerShellOutput.BufferOf)
            .OfType<RecordBuffer>()
            .ToArray();
        return buffers.Length == 0 ? null : new RecordStream(pipeline, buffers);
    }

    /// <summary>The names of the pipeline's powershell outputs, for error messages.</summary>
    public static string[] OutputNames(AgentPipelineInfo pipeline) =>
        [.. pipeline.Engine.Outputs.Where(o => PowerShellOutput.BufferOf(o) is not null).Select(o => o.Name)];

    public AgentPipelineInfo Pipeline => _pipeline;

    /// <summary>Nothing more will come: every buffer is completed and empty, or the pipeline ended and they are empty.</summary>
    public bool IsFinished =>
        _buffers.All(b => b.IsFinished) || (_pipeline.Engine.Completion.IsCompleted && _buffers.All(b => b.Count == 0));

    /// <summary>Takes every record buffered now, oldest first per output.</summary>
    public IEnumerable<PSObject> TakeAvailable()
    {
        foreach (var buffer in _buffers)
        {
            while (buffer.TryTake(out var batch))
            {
                foreach (var e in EventReader.ReadAll(batch.Events)) yield return MsgPackToPSObject.ToRecord(e, batch.Tag);
            }
        }
    }

    /// <summary>A task that completes when records may be waiting or the pipeline has ended.</summary>
    public Task WhenAvailable() => Task.WhenAny(_buffers.Select(b => b.WaitAsync()).Append(_pipeline.Engine.Completion));
}

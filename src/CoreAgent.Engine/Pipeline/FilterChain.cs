using System.Collections.Concurrent;
using CoreAgent.Engine.Records;

namespace CoreAgent.Engine.Pipeline;

/// <summary>
/// The filter stage between a sealed chunk and the router: every filter whose Match covers the
/// chunk's tag runs, in the order the filters were defined, each on the previous one's output. The
/// filters of a tag are found once and cached, as routes are.
/// </summary>
internal sealed class FilterChain
{
    private readonly IReadOnlyList<FilterInstance> _filters;
    private readonly ConcurrentDictionary<string, FilterInstance[]> _byTag = new(StringComparer.Ordinal);
    private readonly Func<string, FilterInstance[]> _select;

    public FilterChain(IReadOnlyList<FilterInstance> filters)
    {
        _filters = filters;
        _select = tag => _filters.Where(f => f.Matcher.Matches(tag)).ToArray();
    }

    public bool IsEmpty => _filters.Count == 0;

    /// <summary>
    /// Filters a chunk. Returns the chunk to route (the same or a replacement), or null when the
    /// filters removed every record; the chunk is then released here, which runs
    /// <paramref name="onReleased"/> as a delivered chunk would, so buffer accounting stays right.
    /// Records a rewrite_tag filter re-emits under a new tag are added to <paramref name="emitted"/>.
    /// </summary>
    public Chunk? Apply(Chunk chunk, Action<Chunk> onReleased, List<Chunk>? emitted = null)
    {
        foreach (var filter in _byTag.GetOrAdd(chunk.Tag, _select))
        {
            var next = filter.Apply(chunk, emitted);
            if (ReferenceEquals(next, chunk)) continue;
            if (next is null)
            {
                // Like Fluent Bit: once a filter empties the chunk, the later filters do not run.
                chunk.SetReferences(0, onReleased);
                return null;
            }
            chunk.MoveFileTo(next); // filesystem storage: the file (raw records) goes with the chunk
            chunk.SetReferences(0, null); // the replaced chunk's buffer goes back to the pool
            chunk = next;
        }
        return chunk;
    }
}

using CoreAgent.Engine.Plugins.Outputs;
using CoreAgent.Engine.Records;
using CoreAgent.Engine.Tests.Support;

namespace CoreAgent.Engine.Tests.SessionPlugins;

public class RecordBufferTests
{
    private static byte[] Events(int from, int count) =>
        FilterEvents.Encode([.. Enumerable.Range(from, count).Select(i => $$"""{"n":{{i}}}""")]);

    private static int[] Numbers(RecordBatch batch) =>
        [.. FilterEvents.Bodies(batch.Events).Select(json => int.Parse(json[5..^1]))];

    private static List<int> TakeAll(RecordBuffer buffer)
    {
        var numbers = new List<int>();
        while (buffer.TryTake(out var batch))
        {
            Assert.Equal(batch.Count, EventReader.ReadAll(batch.Events).Count);
            numbers.AddRange(Numbers(batch));
        }
        return numbers;
    }

    [Fact]
    public void Takes_what_was_added_in_order_with_its_tag()
    {
        var buffer = new RecordBuffer(100);
        Assert.Equal(0, buffer.Add("a", Events(0, 3), 3));
        Assert.Equal(0, buffer.Add("b", Events(3, 2), 2));
        Assert.Equal(5, buffer.Count);

        Assert.True(buffer.TryTake(out var first));
        Assert.Equal(("a", 3), (first.Tag, first.Count));
        Assert.Equal([0, 1, 2], Numbers(first));
        Assert.True(buffer.TryTake(out var second));
        Assert.Equal(("b", 2), (second.Tag, second.Count));
        Assert.Equal([3, 4], Numbers(second));
        Assert.False(buffer.TryTake(out _));
        Assert.Equal(0, buffer.Count);
    }

    [Fact]
    public void Keeps_a_copy_so_the_source_bytes_can_be_reused()
    {
        var buffer = new RecordBuffer(10);
        var bytes = Events(0, 2);
        buffer.Add("t", bytes, 2);
        Array.Clear(bytes);
        Assert.True(buffer.TryTake(out var batch));
        Assert.Equal([0, 1], Numbers(batch));
    }

    [Fact]
    public void When_full_drops_the_oldest_records_and_says_how_many()
    {
        var buffer = new RecordBuffer(5);
        Assert.Equal(0, buffer.Add("t", Events(0, 3), 3));
        Assert.Equal(1, buffer.Add("t", Events(3, 3), 3)); // 0 goes
        Assert.Equal(3, buffer.Add("t", Events(6, 3), 3)); // 1, 2 (rest of the first chunk) and 3 go
        Assert.Equal(5, buffer.Count);
        Assert.Equal(4, buffer.Dropped);
        Assert.Equal([4, 5, 6, 7, 8], TakeAll(buffer));
    }

    [Fact]
    public void A_chunk_larger_than_the_buffer_keeps_its_newest_records()
    {
        var buffer = new RecordBuffer(4);
        buffer.Add("t", Events(0, 2), 2);
        Assert.Equal(2 + 6, buffer.Add("t", Events(2, 10), 10));
        Assert.Equal(4, buffer.Count);
        Assert.Equal([8, 9, 10, 11], TakeAll(buffer));
    }

    [Fact]
    public void Never_holds_more_than_its_capacity_whatever_the_sizes()
    {
        var buffer = new RecordBuffer(7);
        var random = new Random(42);
        int next = 0;
        long dropped = 0;
        for (int i = 0; i < 200; i++)
        {
            int count = random.Next(1, 12);
            dropped += buffer.Add("t", Events(next, count), count);
            next += count;
            Assert.True(buffer.Count <= 7);
        }
        Assert.Equal(next - 7, dropped);
        Assert.Equal(Enumerable.Range(next - 7, 7), TakeAll(buffer));
    }

    [Fact]
    public async Task WaitAsync_completes_when_records_arrive_or_the_buffer_completes()
    {
        var buffer = new RecordBuffer(10);
        var waiting = buffer.WaitAsync();
        Assert.False(waiting.IsCompleted);
        buffer.Add("t", Events(0, 1), 1);
        await waiting.WaitAsync(TimeSpan.FromSeconds(10));
        Assert.True(buffer.WaitAsync().IsCompleted); // records are waiting

        Assert.True(buffer.TryTake(out _));
        var second = buffer.WaitAsync();
        Assert.False(second.IsCompleted);
        Assert.False(buffer.IsCompleted);
        buffer.Complete();
        await second.WaitAsync(TimeSpan.FromSeconds(10));
        Assert.True(buffer.IsCompleted);
        Assert.True(buffer.IsFinished);
    }

    [Fact]
    public async Task WaitAsync_can_be_cancelled()
    {
        var buffer = new RecordBuffer(10);
        using var cancel = new CancellationTokenSource();
        var waiting = buffer.WaitAsync(cancel.Token);
        cancel.Cancel();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => waiting);
    }

    [Fact]
    public void Records_added_before_completion_can_still_be_taken()
    {
        var buffer = new RecordBuffer(10);
        buffer.Add("t", Events(0, 2), 2);
        buffer.Complete();
        Assert.False(buffer.IsFinished);
        Assert.Equal([0, 1], TakeAll(buffer));
        Assert.True(buffer.IsFinished);
    }
}

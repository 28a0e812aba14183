using CoreAgent.Engine.Logging;
using CoreAgent.Engine.Records;
using CoreAgent.Engine.Storage;

namespace CoreAgent.Engine.Tests.Storage;

/// <summary>The chunk file format: what is written reads back, and damage ends the read at the last whole block.</summary>
public sealed class ChunkFileTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("coreagent-chunkfile-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    internal static byte[] Events(int count, int start = 0)
    {
        var bytes = new List<byte>();
        for (int i = 0; i < count; i++)
        {
            var body = MessagePack.MessagePackSerializer.Serialize(new Dictionary<string, object> { ["n"] = start + i });
            var buffer = new byte[EventEncoder.SizeOf(EventEncoder.EmptyMap, body)];
            int written = EventEncoder.Write(buffer, new EventTime(1_700_000_000, 5), EventEncoder.EmptyMap, body);
            bytes.AddRange(buffer.AsSpan(0, written).ToArray());
        }
        return bytes.ToArray();
    }

    private string WriteFile(string name, bool checksum, params int[] blocks)
    {
        var path = Path.Combine(_dir, name);
        var file = ChunkFile.Create(path, "app.log", "dummy.0", checksum, StorageSync.Normal);
        int n = 0;
        foreach (int count in blocks)
        {
            file.AppendRecords(Events(count, n), count);
            n += count;
        }
        file.Close();
        return path;
    }

    [Fact]
    public void Crc32C_matches_the_standard_check_value()
    {
        Assert.Equal(0xE3069283u, Crc32C.Compute("123456789"u8));
        Assert.Equal(Crc32C.Compute("123456789"u8), Crc32C.Append(Crc32C.Compute("1234"u8), "56789"u8));
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void Blocks_written_read_back_with_header_and_delivered_outputs(bool checksum)
    {
        var path = Path.Combine(_dir, "a.chunk");
        var file = ChunkFile.Create(path, "app.log", "dummy.0", checksum, StorageSync.Full);
        file.AppendRecords(Events(3), 3);
        file.AppendRecords(Events(2, 3), 2);
        file.MarkDelivered("stdout.0");
        file.Close();

        var contents = ChunkFileReader.Read(path);

        Assert.Null(contents.Damage);
        Assert.Equal("app.log", contents.Tag);
        Assert.Equal("dummy.0", contents.Input);
        Assert.Equal(checksum, contents.Checksummed);
        Assert.Equal(5, contents.RecordCount);
        Assert.Equal(Events(3).Concat(Events(2, 3)), contents.Records);
        Assert.Equal(["stdout.0"], contents.Delivered);
        Assert.Equal(new FileInfo(path).Length, contents.ValidLength);
    }

    [Fact]
    public void A_truncated_tail_keeps_every_whole_block()
    {
        var path = WriteFile("t.chunk", true, 4, 4, 4);
        long full = new FileInfo(path).Length;
        using (var stream = new FileStream(path, FileMode.Open)) stream.SetLength(full - 7);

        var contents = ChunkFileReader.Read(path);

        Assert.Contains("truncated", contents.Damage);
        Assert.Equal(8, contents.RecordCount);
        Assert.Equal(Events(8), contents.Records);
    }

    [Fact]
    public void A_flipped_byte_is_caught_by_the_checksum_and_ends_the_read_there()
    {
        var path = WriteFile("f.chunk", true, 4, 4, 4);
        var bytes = File.ReadAllBytes(path);
        int secondBlockPayload = ChunkFileFormat.EncodeHeader("app.log", "dummy.0", true, 0).Length + 2 * ChunkFileFormat.BlockHeadSize + Events(4).Length + 5;
        bytes[secondBlockPayload] ^= 0x20;
        File.WriteAllBytes(path, bytes);

        var contents = ChunkFileReader.Read(path);

        Assert.Contains("checksum", contents.Damage);
        Assert.Equal(4, contents.RecordCount);
    }

    [Fact]
    public void Empty_foreign_and_fluent_bit_files_are_damage_not_exceptions()
    {
        var empty = Path.Combine(_dir, "e.chunk");
        File.WriteAllBytes(empty, []);
        var foreign = Path.Combine(_dir, "notes.txt");
        File.WriteAllText(foreign, "hello, not a chunk");
        var fluentBit = Path.Combine(_dir, "1-2.flb");
        File.WriteAllBytes(fluentBit, [0xC1, 0x00, 1, 2, 3, 4, 5, 6, 7, 8]);

        Assert.Contains("empty", ChunkFileReader.Read(empty).Damage);
        Assert.Contains("not a CoreAgent chunk file", ChunkFileReader.Read(foreign).Damage);
        Assert.Contains("Fluent Bit", ChunkFileReader.Read(fluentBit).Damage);
    }

    [Fact]
    public void Random_damage_never_throws_and_never_returns_more_than_was_written()
    {
        var path = WriteFile("r.chunk", true, 5, 5, 5, 5);
        var original = File.ReadAllBytes(path);
        var random = new Random(7);
        for (int i = 0; i < 2000; i++)
        {
            var bytes = (byte[])original.Clone();
            int cut = random.Next(bytes.Length + 1);
            bytes[random.Next(bytes.Length)] = (byte)random.Next(256);
            var contents = ChunkFileReader.Parse("x", bytes.AsMemory(0, cut));
            Assert.True(contents.RecordCount <= 20);
            Assert.Equal(0, contents.RecordCount % 5); // whole blocks only
        }
    }

    [Fact]
    public void Recover_quarantines_damaged_files_keeps_their_valid_prefix_and_names_them()
    {
        var store = new ChunkStore(new StorageSettings { Path = _dir }, Log(out var entries));
        store.Open();
        var folder = store.InputFolder("dummy.0");
        Directory.CreateDirectory(folder);
        string Write(string name, params int[] blocks)
        {
            var path = WriteFile(name, true, blocks);
            var target = Path.Combine(folder, name);
            File.Move(path, target);
            return target;
        }
        var good = Write("0001-good.chunk", 3);
        var truncated = Write("0002-truncated.chunk", 2, 2);
        using (var s = new FileStream(truncated, FileMode.Open)) s.SetLength(s.Length - 3);
        var flipped = Write("0003-flipped.chunk", 6);
        var bytes = File.ReadAllBytes(flipped);
        bytes[^4] ^= 0xFF;
        File.WriteAllBytes(flipped, bytes);
        var empty = Path.Combine(folder, "0004-empty.chunk");
        File.WriteAllBytes(empty, []);
        var foreign = Path.Combine(folder, "README.txt");
        File.WriteAllText(foreign, "not mine");

        var recovered = store.Recover();

        Assert.Equal([3, 2], recovered.Select(r => r.RecordCount).Order().Reverse());
        Assert.True(File.Exists(good));
        foreach (var bad in new[] { truncated, flipped, empty, foreign })
        {
            Assert.False(File.Exists(bad), bad);
            Assert.True(File.Exists(Path.Combine(store.QuarantinePath, "dummy.0", Path.GetFileName(bad))), bad);
            Assert.Contains(entries, e => e.Level == LogLevel.Warn && e.Message.Contains(bad));
        }
        Assert.Equal(4, store.Quarantined);
        foreach (var chunk in recovered) chunk.File?.Close();

        // A second recovery finds the same valid records (the repaired file) and quarantines nothing more.
        var again = store.Recover();
        Assert.Equal(5, again.Sum(r => r.RecordCount));
        Assert.Equal(4, store.Quarantined);
        foreach (var chunk in again) chunk.File?.Close();
        store.Dispose();
    }

    [Fact]
    public void A_second_pipeline_cannot_open_a_storage_path_in_use()
    {
        using var first = new ChunkStore(new StorageSettings { Path = _dir }, new AgentLog());
        first.Open();
        using var second = new ChunkStore(new StorageSettings { Path = _dir }, new AgentLog());
        var error = Assert.Throws<StorageException>(second.Open);
        Assert.Contains(_dir, error.Message);
    }

    internal static AgentLog Log(out List<LogEntry> entries)
    {
        var list = new List<LogEntry>();
        var log = new AgentLog();
        log.Written += e => { lock (list) list.Add(e); };
        entries = list;
        return log;
    }
}

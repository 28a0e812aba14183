using CoreAgent.Engine.Records;
using MessagePack;

namespace CoreAgent.Engine.Tests.Records;

/// <summary>A length prefix of 2^31 or more is a clear FormatException, not MessagePack's ArgumentOutOfRangeException.</summary>
public class EventReaderLengthTests
{
    [Theory]
    [InlineData("92ce6b07489b81a161db8000000041")] // str32 of length 2^31 as a value
    [InlineData("92ce6b07489b81c6ffffffff61")]     // bin32 of length 2^32-1 as a key
    public void A_huge_length_is_reported_as_a_truncated_event(string hex)
    {
        var bytes = Convert.FromHexString(hex);
        var error = Assert.Throws<FormatException>(() =>
        {
            var reader = new MessagePackReader(bytes);
            EventReader.ReadOne(ref reader, bytes);
        });
        Assert.StartsWith("event at byte 0 is truncated", error.Message);
    }
}

using System.Buffers;
using CoreAgent.Engine.Net;

namespace CoreAgent.Engine.Plugins.Inputs.Syslog;

/// <summary>One syslog stream connection (tcp or unix_tcp): frames messages and writes each as it completes.</summary>
internal sealed class SyslogStreamSession(NetConnection connection, SyslogWriter writer)
{
    private static readonly TimeSpan PausePoll = TimeSpan.FromMilliseconds(10);

    public async Task RunAsync(CancellationToken cancellation)
    {
        bool partial = false;
        while (true)
        {
            while (writer.IsPaused) await Task.Delay(PausePoll, cancellation).ConfigureAwait(false);
            var result = await connection.ReadAsync(partial, cancellation).ConfigureAwait(false);
            var buffer = result.Buffer;
            while (SyslogFraming.TryNext(ref buffer, out var message))
                writer.Write(message.IsSingleSegment ? message.FirstSpan : message.ToArray(), connection.Peer);
            connection.CheckBuffered(buffer);
            partial = !buffer.IsEmpty;
            connection.Input.AdvanceTo(buffer.Start, buffer.End);
            if (result.IsCompleted)
            {
                // A last message without its LF is still a message.
                if (partial && buffer.FirstSpan[0] is < (byte)'0' or > (byte)'9') writer.Write(buffer.ToArray(), connection.Peer);
                return;
            }
        }
    }
}

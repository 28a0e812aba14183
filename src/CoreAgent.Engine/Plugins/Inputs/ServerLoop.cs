using CoreAgent.Engine.Net;
using CoreAgent.Engine.Pipeline;

namespace CoreAgent.Engine.Plugins.Inputs;

/// <summary>
/// Runs a network input's server on the input's thread, with a timer thread that seals the
/// tagged emitter's open chunks every 250 ms, so that a quiet peer's records do not wait for a full chunk.
/// </summary>
internal static class ServerLoop
{
    public static void Run(StreamServer server, TaggedEmitter emitter, string owner, CancellationToken cancellation) =>
        Run(() => server.Run(cancellation), server, emitter, owner, cancellation);

    public static void Run(Action serve, IDisposable server, TaggedEmitter emitter, string owner, CancellationToken cancellation)
    {
        var sealer = new Thread(() =>
        {
            while (!cancellation.WaitHandle.WaitOne(TimeSpan.FromMilliseconds(250))) emitter.Seal();
        })
        { IsBackground = true, Name = $"CoreAgent seal {owner}" };
        sealer.Start();
        try
        {
            serve();
        }
        finally
        {
            sealer.Join();
            server.Dispose();
            emitter.Seal();
        }
    }
}

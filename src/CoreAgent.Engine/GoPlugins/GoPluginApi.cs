using System.Collections.Concurrent;
using System.Runtime.InteropServices;
using CoreAgent.Engine.Logging;
using CoreAgent.Engine.Native;

namespace CoreAgent.Engine.GoPlugins;

/// <summary>
/// The struct flb_api that every Go output instance points at: the callbacks fluent-bit-go makes
/// into the engine (FLBPluginConfigKey ends in output_get_property). One table serves the process.
/// Instances are found by the id stored in o_ins, never by a raw managed pointer.
/// </summary>
internal static unsafe class GoPluginApi
{
    private static readonly ConcurrentDictionary<nint, IGoPluginInstance> Instances = new();
    private static long _nextId;
    private static FlbApi* _table;

    /// <summary>Where log_print from plugins goes when no instance is known.</summary>
    public static AgentLog Log { get; set; } = AgentLog.Null;

    public static FlbApi* Table
    {
        get
        {
            if (_table != null) return _table;
            lock (Instances)
            {
                if (_table != null) return _table;
                // Allocated once for the process and never freed: plugins may keep the pointer.
                var table = (FlbApi*)NativeMemory.AllocZeroed((nuint)sizeof(FlbApi));
                table->OutputGetProperty = &OutputGetProperty;
                table->InputGetProperty = &OutputGetProperty; // same lookup: ids are unique across inputs and outputs
                table->OutputGetCmtInstance = &GetCmetrics;
                table->InputGetCmtInstance = &GetCmetrics;
                table->LogPrint = &LogPrint;
                table->InputLogCheck = &OutputLogCheck;
                table->OutputLogCheck = &OutputLogCheck;
                table->CustomGetProperty = &NoProperty;
                table->CustomLogCheck = &NoLogCheck;
                _table = table;
                return table;
            }
        }
    }

    public static nint Register(IGoPluginInstance instance)
    {
        nint id = (nint)Interlocked.Increment(ref _nextId);
        Instances[id] = instance;
        return id;
    }

    public static void Unregister(nint id) => Instances.TryRemove(id, out _);

    [UnmanagedCallersOnly]
    private static byte* OutputGetProperty(byte* key, void* outputInstance)
    {
        try
        {
            if (key == null || !Instances.TryGetValue((nint)outputInstance, out var instance)) return null;
            return instance.GetProperty(Marshal.PtrToStringUTF8((nint)key) ?? "");
        }
        catch
        {
            return null; // never let an exception cross into Go
        }
    }

    [UnmanagedCallersOnly]
    private static byte* NoProperty(byte* key, void* instance) => null;

    // output_get_cmt_instance / input_get_cmt_instance: the context made by the plugin's own cmt_create.
    [UnmanagedCallersOnly]
    private static void* GetCmetrics(void* instance)
    {
        try
        {
            return Instances.TryGetValue((nint)instance, out var found) ? found.MetricsContext : null;
        }
        catch
        {
            return null;
        }
    }

    [UnmanagedCallersOnly]
    private static int NoLogCheck(void* instance, int level) => 0;

    [UnmanagedCallersOnly]
    private static int OutputLogCheck(void* outputInstance, int level)
    {
        try
        {
            var log = Instances.TryGetValue((nint)outputInstance, out var instance) ? instance.Log : Log;
            return log.IsEnabled((LogLevel)level) ? 1 : 0;
        }
        catch
        {
            return 0;
        }
    }

    // log_print is variadic in C; on x86-64 a callee that reads only the fixed arguments is safe.
    // We log the format string itself rather than interpret it.
    [UnmanagedCallersOnly]
    private static void LogPrint(int level, byte* file, int line, byte* format)
    {
        try
        {
            Log.Write((LogLevel)Math.Clamp(level, 1, 5), "go", Marshal.PtrToStringUTF8((nint)format) ?? "");
        }
        catch
        {
            // a broken log line must not take down the plugin's thread
        }
    }

    /// <summary>Instances the plugins can still reach (tests check it returns to zero after a stop).</summary>
    internal static int Count => Instances.Count;
}

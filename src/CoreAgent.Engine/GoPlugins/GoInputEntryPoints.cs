namespace CoreAgent.Engine.GoPlugins;

/// <summary>
/// The exports a Go input plugin (proxy type 1) can have beyond Init and Exit: the collect
/// callback, in its Ctx form when exported, the matching cleanup, and the optional pre-exit.
/// </summary>
internal sealed unsafe class GoInputEntryPoints
{
    private readonly delegate* unmanaged<void**, nuint*, long> _callback;
    private readonly delegate* unmanaged<void*, void**, nuint*, long> _callbackCtx;
    private readonly delegate* unmanaged<void*, long> _cleanup;
    private readonly delegate* unmanaged<void*, void*, long> _cleanupCtx;
    private readonly delegate* unmanaged<int, long> _preExit;

    public GoInputEntryPoints(Func<string, nint> export)
    {
        _callback = (delegate* unmanaged<void**, nuint*, long>)export("FLBPluginInputCallback");
        _callbackCtx = (delegate* unmanaged<void*, void**, nuint*, long>)export("FLBPluginInputCallbackCtx");
        _cleanup = (delegate* unmanaged<void*, long>)export("FLBPluginInputCleanupCallback");
        _cleanupCtx = (delegate* unmanaged<void*, void*, long>)export("FLBPluginInputCleanupCallbackCtx");
        _preExit = (delegate* unmanaged<int, long>)export("FLBPluginInputPreExit");
    }

    public static bool HasCallback(IReadOnlySet<string> exports) =>
        exports.Contains("FLBPluginInputCallbackCtx") || exports.Contains("FLBPluginInputCallback");

    public bool HasCallbackCtx => _callbackCtx != null;

    /// <summary>Asks the plugin for events; it may block. Returns the plugin's result with the buffer and its length.</summary>
    public long Collect(void* context, out void* data, out nuint length)
    {
        void* buffer = null;
        nuint size = 0;
        long result = _callbackCtx != null ? _callbackCtx(context, &buffer, &size) : _callback(&buffer, &size);
        data = buffer;
        length = size;
        return result;
    }

    /// <summary>Hands a collected buffer back to the plugin's cleanup, or frees it with C free as Fluent Bit does when there is none.</summary>
    public void Release(void* context, void* data)
    {
        if (_cleanupCtx != null) _cleanupCtx(context, data);
        else if (_cleanup != null) _cleanup(data);
        else if (data != null) System.Runtime.InteropServices.NativeMemory.Free(data); // C free on Linux
    }

    public void PreExit()
    {
        if (_preExit != null) _preExit(0);
    }
}

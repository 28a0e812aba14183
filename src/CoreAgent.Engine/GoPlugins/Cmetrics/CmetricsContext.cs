using System.Runtime.InteropServices;

namespace CoreAgent.Engine.GoPlugins.Cmetrics;

/// <summary>
/// A cmetrics context for one Go plugin instance, created by the plugin's own exported
/// <c>cmt_create</c>. Plugins built with Calyptia's SDK embed their own cmetrics and refuse to start
/// without a context; a context from any other cmetrics copy would mix struct layouts and corrupt
/// memory, so the engine only ever calls the functions the plugin itself exports. A plugin that
/// exports no <c>cmt_create</c> gets no context (NULL), as before.
/// </summary>
internal sealed unsafe class CmetricsContext : IDisposable
{
    private readonly delegate* unmanaged<void*, void> _destroy;
    private readonly delegate* unmanaged<void*, int, byte*> _encodePrometheus;
    private readonly delegate* unmanaged<byte*, void> _encodePrometheusDestroy;
    private readonly object _gate = new();
    private void* _cmt;

    private CmetricsContext(void* cmt, nint destroy, nint encode, nint encodeDestroy)
    {
        _cmt = cmt;
        _destroy = (delegate* unmanaged<void*, void>)destroy;
        _encodePrometheus = (delegate* unmanaged<void*, int, byte*>)encode;
        _encodePrometheusDestroy = (delegate* unmanaged<byte*, void>)encodeDestroy;
    }

    /// <summary>The struct cmt* handed to output_get_cmt_instance / input_get_cmt_instance.</summary>
    public void* Pointer => _cmt;

    /// <summary>Creates a context with the library's own cmetrics, or returns null when it exports none.</summary>
    public static CmetricsContext? Create(nint libraryHandle)
    {
        if (!NativeLibrary.TryGetExport(libraryHandle, "cmt_create", out var create)
            || !NativeLibrary.TryGetExport(libraryHandle, "cmt_destroy", out var destroy))
            return null;
        NativeLibrary.TryGetExport(libraryHandle, "cmt_encode_prometheus_create", out var encode);
        NativeLibrary.TryGetExport(libraryHandle, "cmt_encode_prometheus_destroy", out var encodeDestroy);
        void* cmt = ((delegate* unmanaged<void*>)create)();
        return cmt == null ? null : new CmetricsContext(cmt, destroy, encode, encode != 0 ? encodeDestroy : 0);
    }

    /// <summary>True when the plugin exports the encoder the engine reads its metrics back with.</summary>
    public bool CanRead => _encodePrometheus != null && _encodePrometheusDestroy != null;

    /// <summary>The plugin's metrics in the Prometheus text format (its own encoder), or null.</summary>
    public string? ReadPrometheusText()
    {
        lock (_gate)
        {
            if (_cmt == null || !CanRead) return null;
            byte* text = _encodePrometheus(_cmt, 0);
            if (text == null) return null;
            try
            {
                return Marshal.PtrToStringUTF8((nint)text);
            }
            finally
            {
                _encodePrometheusDestroy(text);
            }
        }
    }

    /// <summary>Destroys the context with the plugin's cmt_destroy; only after the instance has exited.</summary>
    public void Dispose()
    {
        lock (_gate)
        {
            if (_cmt == null) return;
            _destroy(_cmt);
            _cmt = null;
        }
    }
}

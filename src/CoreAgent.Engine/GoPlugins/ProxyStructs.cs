using System.Runtime.InteropServices;

namespace CoreAgent.Engine.GoPlugins;

// The structures shared with fluent-bit-go, in native memory, x86-64 layout (REFERENCE 1).

/// <summary>FLB_PROXY_* values and flush results as the proxy interface defines them.</summary>
internal static class ProxyConstants
{
    public const int InputPlugin = 1;
    public const int OutputPlugin = 2;
    public const int CustomPlugin = 3;
    public const int GoProxy = 11;
}

/// <summary>struct flb_plugin_proxy_def: filled by FLBPluginRegister.</summary>
[StructLayout(LayoutKind.Sequential)]
internal unsafe struct FlbPluginProxyDef
{
    public int Type;
    public int Proxy;
    public int Flags;
    public byte* Name;
    public byte* Description;
    public int EventType;
    public void* ConfigMap;
}

/// <summary>struct flb_api: callbacks the plugin calls into. The field order is the ABI.</summary>
[StructLayout(LayoutKind.Sequential)]
internal unsafe struct FlbApi
{
    public delegate* unmanaged<byte*, void*, byte*> OutputGetProperty;
    public delegate* unmanaged<byte*, void*, byte*> InputGetProperty;
    public delegate* unmanaged<void*, void*> OutputGetCmtInstance;
    public delegate* unmanaged<void*, void*> InputGetCmtInstance;
    public delegate* unmanaged<int, byte*, int, byte*, void> LogPrint;
    public delegate* unmanaged<void*, int, int> InputLogCheck;
    public delegate* unmanaged<void*, int, int> OutputLogCheck;
    public delegate* unmanaged<byte*, void*, byte*> CustomGetProperty;
    public delegate* unmanaged<void*, int, int> CustomLogCheck;
}

/// <summary>struct flb_plugin_proxy_context: remote_context is what FLBPluginSetContext writes.</summary>
[StructLayout(LayoutKind.Sequential)]
internal unsafe struct FlbPluginProxyContext
{
    public void* RemoteContext;
    public void* Proxy;
}

/// <summary>struct flbgo_output_plugin: what FLBPluginInit receives.</summary>
[StructLayout(LayoutKind.Sequential)]
internal unsafe struct FlbGoOutputPlugin
{
    public byte* Name;
    public FlbApi* Api;
    public void* OutputInstance;
    public FlbPluginProxyContext* Context;
}

using System.Runtime.InteropServices;
using CoreAgent.Engine.GoPlugins.EventShapes;
using CoreAgent.Engine.Logging;
using CoreAgent.Engine.Native;

namespace CoreAgent.Engine.GoPlugins;

/// <summary>
/// One loaded Go output plugin (.so). Loading checks the file, dlopens it, repairs the signal
/// handlers the Go runtime changed, and calls FLBPluginPreRegister and FLBPluginRegister. A Go
/// runtime cannot be unloaded, so a library stays loaded for the life of the process and loading
/// the same path again returns the same object, as dlopen returns the same handle.
/// </summary>
public sealed unsafe class GoPluginLibrary
{
    private static readonly Dictionary<string, GoPluginLibrary> Loaded = new(StringComparer.Ordinal);

    private readonly FlbPluginProxyDef* _definition;
    private readonly delegate* unmanaged<void*, long> _init;
    private readonly delegate* unmanaged<void*, int, byte*, long> _flush;
    private readonly delegate* unmanaged<void*, void*, int, byte*, long> _flushCtx;
    private readonly delegate* unmanaged<long> _exit;
    private readonly delegate* unmanaged<void*, long> _exitCtx;
    private readonly delegate* unmanaged<int, long> _preExit;
    private readonly delegate* unmanaged<void*, void> _unregister;
    private readonly GoInputEntryPoints? _input;
    private readonly HashSet<Guid> _exitedRuns = [];
    private bool _released;

    private GoPluginLibrary(string path, nint handle, FlbPluginProxyDef* definition, IReadOnlyList<string> signalRepairs, GoSdkDetection sdk)
    {
        Sdk = sdk;
        Path = path;
        Handle = handle;
        _definition = definition;
        SignalRepairs = signalRepairs;
        Name = Marshal.PtrToStringUTF8((nint)definition->Name) ?? "";
        Description = Marshal.PtrToStringUTF8((nint)definition->Description) ?? "";
        EventType = definition->EventType;
        _init = (delegate* unmanaged<void*, long>)Export("FLBPluginInit");
        _flush = (delegate* unmanaged<void*, int, byte*, long>)Export("FLBPluginFlush");
        _flushCtx = (delegate* unmanaged<void*, void*, int, byte*, long>)Export("FLBPluginFlushCtx");
        _exit = (delegate* unmanaged<long>)Export("FLBPluginExit");
        _exitCtx = (delegate* unmanaged<void*, long>)Export("FLBPluginExitCtx");
        _preExit = (delegate* unmanaged<int, long>)Export("FLBPluginOutputPreExit");
        _unregister = (delegate* unmanaged<void*, void>)Export("FLBPluginUnregister");
        if (definition->Type == ProxyConstants.InputPlugin) _input = new GoInputEntryPoints(Export);
    }

    public string Path { get; }
    public string Name { get; }
    public string Description { get; }

    /// <summary>0 logs, 2 metrics, 4 traces.</summary>
    public int EventType { get; }

    internal nint Handle { get; }

    /// <summary>What the loader changed in the process's signal handlers after this library loaded.</summary>
    public IReadOnlyList<string> SignalRepairs { get; }

    /// <summary>Where plugins' own log_print messages go (they carry no instance).</summary>
    public static AgentLog PluginLog
    {
        get => GoPluginApi.Log;
        set => GoPluginApi.Log = value;
    }

    /// <summary>True when the plugin registered an input (type 1); false for an output (type 2).</summary>
    public bool IsInput => _input is not null;

    /// <summary>The input callbacks; null for an output plugin.</summary>
    internal GoInputEntryPoints? Input => _input;

    /// <summary>The fluent-bit-go revision the plugin was built with and the event shape it gets by default.</summary>
    public GoSdkDetection Sdk { get; }

    /// <summary>The FLBPlugin* entry points the library exports.</summary>
    public IReadOnlyList<string> EntryPoints { get; private init; } = [];

    public bool HasFlushCtx => _flushCtx != null;
    public bool HasExitCtx => _exitCtx != null;

    /// <summary>Libraries loaded in this process.</summary>
    public static IReadOnlyList<GoPluginLibrary> All
    {
        get { lock (SignalHandlerRepair.Gate) return [.. Loaded.Values]; }
    }

    /// <summary>What can be learnt from the file without loading it: its full path, exports and SDK revision.</summary>
    public sealed record FileFacts(string Path, HashSet<string> Exports, GoSdkDetection Sdk)
    {
        public IReadOnlyList<string> EntryPoints => [.. Exports.Where(e => e.StartsWith("FLBPlugin", StringComparison.Ordinal)).Order(StringComparer.Ordinal)];
    }

    /// <summary>The absolute path with links resolved: the key a plugin is known by.</summary>
    public static string Canonical(string path)
    {
        string full = System.IO.Path.GetFullPath(path);
        return File.Exists(full) ? ResolveLinks(full) : full;
    }

    /// <summary>The error for a path that is not a file: a folder is named as one, with the plugins it holds.</summary>
    private static GoPluginLoadException NotAPluginFile(string full)
    {
        if (!Directory.Exists(full))
            return new GoPluginLoadException(GoPluginLoadError.NotFound, full, $"plugin file '{full}' was not found");
        var libraries = Directory.EnumerateFiles(full, "*.so").Select(System.IO.Path.GetFileName).Order().Take(10).ToList();
        string holds = libraries.Count == 0 ? "it holds no .so file" : $"it holds {string.Join(", ", libraries)}";
        return new GoPluginLoadException(GoPluginLoadError.NotFound, full,
            $"'{full}' is a folder, not a plugin file: give the path of the plugin's .so ({holds})");
    }

    /// <summary>Checks the file as Load does before dlopen (platform, ELF, the entry points), without loading it.</summary>
    public static FileFacts Inspect(string path)
    {
        if (!OperatingSystem.IsLinux() || RuntimeInformation.ProcessArchitecture != Architecture.X64)
            throw new GoPluginLoadException(GoPluginLoadError.UnsupportedPlatform, path, "Go plugins can be loaded on Linux x86-64 only");
        string full = System.IO.Path.GetFullPath(path);
        if (!File.Exists(full))
            throw NotAPluginFile(full);
        full = ResolveLinks(full);
        var exports = ElfExports.Read(full);
        var sdk = GoSdkDetection.Detect(File.ReadAllBytes(full));
        if (!exports.Contains("FLBPluginRegister"))
            throw new GoPluginLoadException(GoPluginLoadError.MissingRegister, full, $"'{full}' does not export FLBPluginRegister: it is not a Fluent Bit Go plugin");
        if (!exports.Contains("FLBPluginInit"))
            throw new GoPluginLoadException(GoPluginLoadError.MissingInit, full, $"'{full}' does not export FLBPluginInit");
        if (!exports.Contains("FLBPluginFlushCtx") && !exports.Contains("FLBPluginFlush") && !GoInputEntryPoints.HasCallback(exports))
            throw new GoPluginLoadException(GoPluginLoadError.MissingFlush, full, $"'{full}' exports none of FLBPluginFlushCtx, FLBPluginFlush, FLBPluginInputCallbackCtx, FLBPluginInputCallback");
        return new FileFacts(full, exports, sdk);
    }

    /// <summary>True when the file is loaded into this process (it can never be unloaded then).</summary>
    public static bool IsLoaded(string path)
    {
        lock (SignalHandlerRepair.Gate) return Loaded.ContainsKey(path);
    }

    /// <summary>Loads a plugin, or returns the one already loaded from the same file.</summary>
    public static GoPluginLibrary Load(string path, AgentLog? log = null)
    {
        if (!OperatingSystem.IsLinux() || RuntimeInformation.ProcessArchitecture != Architecture.X64)
            throw new GoPluginLoadException(GoPluginLoadError.UnsupportedPlatform, path, "Go plugins can be loaded on Linux x86-64 only");
        string full = System.IO.Path.GetFullPath(path);
        if (!File.Exists(full))
            throw NotAPluginFile(full);
        full = ResolveLinks(full);

        lock (SignalHandlerRepair.Gate)
        {
            if (Loaded.TryGetValue(full, out var existing)) return existing;

            var facts = Inspect(full);
            var exports = facts.Exports;
            var sdk = facts.Sdk;

            var before = SignalHandlerRepair.Capture();
            nint handle = Libc.dlopen(full, Libc.RTLD_NOW | Libc.RTLD_LOCAL);
            if (handle == 0)
                throw new GoPluginLoadException(GoPluginLoadError.LoadFailed, full, $"'{full}' could not be loaded: {Libc.LastDlError()}");
            var repairs = new List<string>(SignalHandlerRepair.Repair(before));

            var definition = NativeAllocations.AllocZeroed<FlbPluginProxyDef>();
            try
            {
                Register(full, handle, definition, exports);
            }
            catch
            {
                NativeAllocations.Free(definition);
                throw;
            }
            finally
            {
                // The first call into Go waits for its runtime to finish starting; repair again in case it changed more.
                repairs.AddRange(SignalHandlerRepair.Repair(before));
            }

            var library = new GoPluginLibrary(full, handle, definition, repairs, sdk)
            {
                EntryPoints = [.. exports.Where(e => e.StartsWith("FLBPlugin", StringComparison.Ordinal)).Order(StringComparer.Ordinal)],
            };
            log?.Debug("go", $"{library.Name}: {sdk.Sdk} {sdk.Revision}, {sdk.Shape} event shape ({sdk.Evidence})");
            Loaded[full] = library;
            foreach (var change in repairs) log?.Debug("go", $"{library.Name}: {change}");
            return library;
        }
    }

    private static void Register(string path, nint handle, FlbPluginProxyDef* definition, HashSet<string> exports)
    {
        if (NativeLibrary.TryGetExport(handle, "FLBPluginPreRegister", out var preRegister)
            && ((delegate* unmanaged<int, long>)preRegister)(0) == -1)
            throw new GoPluginLoadException(GoPluginLoadError.RegistrationAborted, path, $"'{path}': FLBPluginPreRegister returned -1 and aborted the load");

        var register = (delegate* unmanaged<void*, long>)NativeLibrary.GetExport(handle, "FLBPluginRegister");
        register(definition);

        string name = Marshal.PtrToStringUTF8((nint)definition->Name) ?? "";
        string? problem = null;
        GoPluginLoadError error = default;
        if (definition->Type is not (ProxyConstants.OutputPlugin or ProxyConstants.InputPlugin))
            (error, problem) = (GoPluginLoadError.NotOutputPlugin, $"'{path}' registers {DescribeType(definition->Type)} plugin '{name}'; only input and output plugins are supported");
        else if (definition->Type == ProxyConstants.InputPlugin && !GoInputEntryPoints.HasCallback(exports))
            (error, problem) = (GoPluginLoadError.MissingFlush, $"'{path}' registers input plugin '{name}' but exports neither FLBPluginInputCallbackCtx nor FLBPluginInputCallback");
        else if (definition->Type == ProxyConstants.OutputPlugin && !exports.Contains("FLBPluginFlushCtx") && !exports.Contains("FLBPluginFlush"))
            (error, problem) = (GoPluginLoadError.MissingFlush, $"'{path}' registers output plugin '{name}' but exports neither FLBPluginFlushCtx nor FLBPluginFlush");
        else if (definition->Proxy != ProxyConstants.GoProxy)
            (error, problem) = (GoPluginLoadError.NotGoProxy, $"'{path}' registers proxy type {definition->Proxy}, not a Go plugin (11)");
        else if (string.IsNullOrWhiteSpace(name) || name.Any(c => char.IsWhiteSpace(c) || char.IsControl(c)))
            (error, problem) = (GoPluginLoadError.InvalidName, $"'{path}' registers the invalid plugin name '{name}'");

        if (problem is not null)
        {
            if (NativeLibrary.TryGetExport(handle, "FLBPluginUnregister", out var unregister))
                ((delegate* unmanaged<void*, void>)unregister)(definition);
            throw new GoPluginLoadException(error, path, problem);
        }
    }

    private static string DescribeType(int type) => type switch
    {
        ProxyConstants.InputPlugin => "an input",
        ProxyConstants.CustomPlugin => "a custom",
        _ => $"a type-{type}",
    };

    private static string ResolveLinks(string path)
    {
        try { return new FileInfo(path).ResolveLinkTarget(returnFinalTarget: true)?.FullName ?? path; }
        catch (IOException) { return path; }
    }

    private nint Export(string name) => NativeLibrary.TryGetExport(Handle, name, out var address) ? address : 0;

    internal long Init(FlbGoOutputPlugin* plugin) => _init(plugin);

    /// <summary>FLBPluginInit for an input: struct flbgo_input_plugin has the output's layout, with i_ins.</summary>
    internal long InitInput(FlbGoOutputPlugin* plugin) => _init(plugin);

    internal long Flush(void* context, byte* data, int length, byte* tag) =>
        _flushCtx != null ? _flushCtx(context, data, length, tag) : _flush(data, length, tag);

    internal void ExitInstance(void* context, Guid run)
    {
        if (_exitCtx != null)
        {
            _exitCtx(context);
            return;
        }
        // FLBPluginExit takes no context: call it once per pipeline run, not once per instance.
        lock (_exitedRuns)
        {
            if (!_exitedRuns.Add(run)) return;
        }
        if (_exit != null) _exit();
    }

    internal void PreExit()
    {
        if (_preExit != null) _preExit(0);
    }

    /// <summary>Calls FLBPluginUnregister and frees the definition. The code itself stays mapped (a Go runtime cannot unload).</summary>
    public void Release()
    {
        lock (SignalHandlerRepair.Gate)
        {
            if (_released) return;
            _released = true;
            Loaded.Remove(Path);
            if (_unregister != null) _unregister(_definition);
            NativeAllocations.Free(_definition);
        }
    }

    public override string ToString() => $"{Name} ({Path})";
}

using System.Diagnostics;
using System.Runtime.InteropServices;

namespace CoreAgent.Engine.GoPlugins.Isolation;

/// <summary>
/// How a plugin host is started on the runtime this process runs on, with no separate .NET
/// install: CoreAgent.PluginHost.dll ships beside CoreAgent.Engine.dll and targets net8.0 with
/// RollForward=Major. In order: (1) this process is the dotnet muxer (dotnet pwsh, dotnet test):
/// <c>dotnet exec host.dll</c>; (2) the muxer at the root of the runtime directory
/// (…/dotnet/shared/Microsoft.NETCore.App/&lt;v&gt;/ → …/dotnet/dotnet); (3) no muxer (a
/// self-contained pwsh): this process's own executable with <c>-NoProfile -NonInteractive
/// -Command</c>, loading the host assembly and calling its entry point.
/// </summary>
internal static class HostLauncher
{
    public const string HostAssemblyName = "CoreAgent.PluginHost.dll";

    /// <summary>Overrides the host assembly's location (tests, unusual layouts).</summary>
    public static string? HostAssemblyOverride { get; set; }

    public static string HostAssemblyPath =>
        HostAssemblyOverride ?? Path.Combine(Path.GetDirectoryName(typeof(HostLauncher).Assembly.Location) ?? AppContext.BaseDirectory, HostAssemblyName);

    /// <summary>A start description for a host that connects to <paramref name="socketPath"/>; its stdout is inherited, stderr and stdin are pipes.</summary>
    public static ProcessStartInfo Create(string socketPath)
    {
        string host = HostAssemblyPath;
        if (!File.Exists(host))
            throw new PluginHostException($"the plugin host {host} is missing: the module is incomplete (set isolation none to load Go plugins in-process)");
        string[] hostArguments = ["--connect", socketPath, "--parent", Environment.ProcessId.ToString(System.Globalization.CultureInfo.InvariantCulture)];
        var (file, arguments) = Command(host, hostArguments, out _);
        var info = new ProcessStartInfo(file)
        {
            UseShellExecute = false,
            RedirectStandardInput = true,  // the host never reads the console; the pipe closing is a second parent-death signal
            RedirectStandardOutput = false, // plugin output reaches the console exactly as in-process
            RedirectStandardError = true,   // teed to this process's stderr, and read for the panic text
        };
        foreach (var argument in arguments) info.ArgumentList.Add(argument);
        // The host needs no GC tuning of its parent's; keep it small.
        info.Environment["DOTNET_gcServer"] = "0";
        info.Environment["DOTNET_TieredPGO"] = "0";
        return info;
    }

    /// <summary>
    /// For tests and diagnostics only: <c>muxer</c>, <c>runtime-root</c> or <c>self</c> forces that
    /// strategy (and fails clearly when it is not available) instead of the first that applies.
    /// </summary>
    public const string ForceVariable = "COREAGENT_PLUGINHOST_LAUNCH";

    /// <summary>Which executable runs the host, with which arguments; "muxer", "runtime-root muxer" or "self" in <paramref name="how"/>.</summary>
    internal static (string File, string[] Arguments) Command(string host, string[] hostArguments, out string how)
    {
        string? process = Environment.ProcessPath;
        string? forced = Environment.GetEnvironmentVariable(ForceVariable)?.Trim().ToLowerInvariant();
        if (forced is { Length: > 0 } && forced is not ("muxer" or "runtime-root" or "self"))
            throw new PluginHostException($"{ForceVariable} '{forced}' is not one of muxer, runtime-root, self");
        bool any = forced is null or "";
        bool processIsMuxer = process is not null && IsMuxer(process);
        if ((any || forced == "muxer") && processIsMuxer)
        {
            how = "muxer";
            return (process!, ["exec", host, .. hostArguments]);
        }
        if (forced == "muxer") throw new PluginHostException($"{ForceVariable} muxer: this process ({process}) is not the dotnet muxer");
        if ((any || forced == "runtime-root") && MuxerFromRuntimeDirectory() is { } muxer)
        {
            how = "runtime-root muxer";
            return (muxer, ["exec", host, .. hostArguments]);
        }
        if (forced == "runtime-root") throw new PluginHostException($"{ForceVariable} runtime-root: there is no dotnet muxer at the root of {RuntimeEnvironment.GetRuntimeDirectory()}");
        if (process is null) throw new PluginHostException("cannot find an executable to run the plugin host with");
        if (processIsMuxer) throw new PluginHostException($"{ForceVariable} self: this process is the dotnet muxer, not a pwsh executable that can run the host as a command");
        how = "self";
        static string Quote(string value) => "'" + value.Replace("'", "''", StringComparison.Ordinal) + "'";
        string list = string.Join(",", hostArguments.Select(Quote));
        return (process, ["-NoProfile", "-NonInteractive", "-Command",
            $"exit [System.Reflection.Assembly]::LoadFrom({Quote(host)}).EntryPoint.Invoke($null, @(,[string[]]@({list})))"]);
    }

    private static bool IsMuxer(string path) =>
        Path.GetFileNameWithoutExtension(path).Equals("dotnet", StringComparison.Ordinal);

    private static string? MuxerFromRuntimeDirectory()
    {
        // …/dotnet/shared/Microsoft.NETCore.App/10.0.x/ → …/dotnet
        var runtime = new DirectoryInfo(RuntimeEnvironment.GetRuntimeDirectory().TrimEnd('/'));
        var root = runtime.Parent?.Parent?.Parent;
        if (root is null) return null;
        string muxer = Path.Combine(root.FullName, "dotnet");
        return File.Exists(muxer) ? muxer : null;
    }
}

/// <summary>The plugin host could not be started, or it died.</summary>
public sealed class PluginHostException(string message, Exception? inner = null) : Exception(message, inner);

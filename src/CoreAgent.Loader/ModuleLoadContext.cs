using System.Reflection;
using System.Runtime.Loader;

namespace CoreAgent.Loader;

/// <summary>
/// CoreAgent's own AssemblyLoadContext. The cmdlets, the engine and their dependencies
/// (MessagePack, YamlDotNet) load here, so another module that already loaded a different
/// MessagePack into the session cannot clash with ours. PowerShell's own assemblies are not
/// in our folder and so come from the default context.
/// </summary>
public sealed class ModuleLoadContext : AssemblyLoadContext
{
    private static readonly object Sync = new();
    private static ModuleLoadContext? _instance;

    private readonly string _directory;
    private readonly Assembly _moduleAssembly;

    private ModuleLoadContext(string directory) : base("CoreAgent", isCollectible: false)
    {
        _directory = directory;
        _moduleAssembly = LoadFromAssemblyPath(Path.Combine(directory, "CoreAgent.dll"));
    }

    /// <summary>Returns the cmdlet assembly, loading it into the module's context on first use.</summary>
    public static Assembly Initialize()
    {
        lock (Sync)
        {
            _instance ??= new ModuleLoadContext(Path.GetDirectoryName(typeof(ModuleLoadContext).Assembly.Location)!);
            return _instance._moduleAssembly;
        }
    }

    protected override Assembly? Load(AssemblyName assemblyName)
    {
        if (assemblyName.Name == typeof(ModuleLoadContext).Assembly.GetName().Name) return typeof(ModuleLoadContext).Assembly;
        string candidate = Path.Combine(_directory, assemblyName.Name + ".dll");
        return File.Exists(candidate) ? LoadFromAssemblyPath(candidate) : null;
    }
}

using CoreAgent.Engine.Native;

namespace CoreAgent.Engine.Plugins.Inputs.Tail;

/// <summary>
/// Finds the files to tail, as Fluent Bit's scan does: every Path glob expanded, regular files
/// only, minus those an Exclude_Path pattern matches (fnmatch on the whole path) and those not
/// changed within Ignore_Older.
/// </summary>
public sealed class TailScanner(IReadOnlyList<string> paths, IReadOnlyList<string> excludes, TimeSpan ignoreOlder)
{
    public IEnumerable<(string Path, FileStatus Status)> Scan()
    {
        var seen = new HashSet<string>(StringComparer.Ordinal);
        long now = DateTimeOffset.UtcNow.ToUnixTimeSeconds();
        foreach (var pattern in paths)
        {
            foreach (var path in Glob.Expand(pattern))
            {
                if (!seen.Add(path) || IsExcluded(path)) continue;
                if (UnixFiles.Stat(path) is not { IsRegular: true } status) continue;
                if (ignoreOlder > TimeSpan.Zero && status.MTimeSeconds > 0 && now - (long)ignoreOlder.TotalSeconds > status.MTimeSeconds) continue;
                yield return (path, status);
            }
        }
    }

    public bool IsExcluded(string path)
    {
        foreach (var pattern in excludes)
        {
            if (Glob.Match(pattern, path)) return true;
        }
        return false;
    }

    /// <summary>The directories to watch for the Path patterns (up to their first wildcard).</summary>
    public IEnumerable<string> BaseDirectories => paths.Select(Glob.BaseDirectory).Distinct(StringComparer.Ordinal);
}

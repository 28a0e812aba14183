using CoreAgent.Engine.Plugins.Properties;

namespace CoreAgent.Engine.Config;

/// <summary>
/// Finds the files an include names: a relative path resolves against a base directory (the main
/// file's directory for classic @INCLUDE, the including file's directory for YAML includes), and a
/// path with '*' is a glob ('*', '?' and [set] in any path segment, sorted, hidden files only when
/// the pattern segment starts with '.', regular files only).
/// </summary>
internal static class IncludeResolver
{
    public static StringComparer PathComparer { get; } =
        OperatingSystem.IsWindows() || OperatingSystem.IsMacOS() ? StringComparer.OrdinalIgnoreCase : StringComparer.Ordinal;

    /// <summary>Resolves an include; on failure returns no file and a reason for the message.</summary>
    public static IReadOnlyList<string> Resolve(string pattern, string baseDirectory, out string? problem)
    {
        problem = null;
        string full;
        try
        {
            full = Path.GetFullPath(Path.IsPathRooted(pattern) ? pattern : Path.Combine(baseDirectory, pattern));
        }
        catch (Exception ex) when (ex is ArgumentException or NotSupportedException or PathTooLongException)
        {
            problem = $"'{FindingCollector.Show(pattern)}' is not a valid path";
            return [];
        }

        if (!pattern.Contains('*'))
        {
            if (File.Exists(full)) return [full];
            problem = Directory.Exists(full)
                ? $"'{full}' is a directory, not a file"
                : $"'{full}' does not exist";
            return [];
        }

        var matches = Glob(full);
        if (matches.Count == 0) problem = $"no file matches '{full}'";
        return matches;
    }

    private static List<string> Glob(string fullPattern)
    {
        var root = Path.GetPathRoot(fullPattern) ?? "/";
        var segments = fullPattern[root.Length..]
            .Split([Path.DirectorySeparatorChar, Path.AltDirectorySeparatorChar], StringSplitOptions.RemoveEmptyEntries);
        var current = new List<string> { root };
        for (var i = 0; i < segments.Length && current.Count > 0; i++)
        {
            var segment = segments[i];
            var last = i == segments.Length - 1;
            var next = new List<string>();
            foreach (var directory in current)
            {
                if (!HasWildcard(segment))
                {
                    var path = Path.Combine(directory, segment);
                    if (last ? File.Exists(path) : Directory.Exists(path)) next.Add(path);
                    continue;
                }
                IEnumerable<string> entries;
                try
                {
                    entries = last ? Directory.EnumerateFiles(directory) : Directory.EnumerateDirectories(directory);
                    entries = entries.ToList();
                }
                catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or System.Security.SecurityException)
                {
                    continue;
                }
                foreach (var entry in entries)
                {
                    var name = Path.GetFileName(entry);
                    if (name.StartsWith('.') && !segment.StartsWith('.')) continue;
                    if (Matches(segment, name)) next.Add(entry);
                }
            }
            next.Sort(StringComparer.Ordinal);
            current = next;
        }
        return current;
    }

    private static bool HasWildcard(string segment) => segment.IndexOfAny(['*', '?', '[']) >= 0;

    /// <summary>Shell-style matching of one path segment: '*', '?', [abc], [a-z], [!a].</summary>
    public static bool Matches(string pattern, string name)
    {
        int p = 0, n = 0, starP = -1, starN = 0;
        while (n < name.Length)
        {
            if (p < pattern.Length && pattern[p] == '*')
            {
                starP = p++;
                starN = n;
                continue;
            }
            if (p < pattern.Length && MatchOne(pattern, ref p, name[n]))
            {
                n++;
                continue;
            }
            if (starP < 0) return false;
            p = starP + 1;
            n = ++starN;
        }
        while (p < pattern.Length && pattern[p] == '*') p++;
        return p == pattern.Length;
    }

    /// <summary>Matches one character at pattern[p]; on success moves p past the pattern element.</summary>
    private static bool MatchOne(string pattern, ref int p, char c)
    {
        var element = pattern[p];
        if (element == '?') { p++; return true; }
        if (element == '[' && p + 2 < pattern.Length)
        {
            var close = pattern.IndexOf(']', p + 2);
            if (close > p)
            {
                var i = p + 1;
                var negate = pattern[i] is '!' or '^';
                if (negate) i++;
                var found = false;
                for (; i < close; i++)
                {
                    if (i + 2 < close && pattern[i + 1] == '-')
                    {
                        if (c >= pattern[i] && c <= pattern[i + 2]) found = true;
                        i += 2;
                    }
                    else if (pattern[i] == c)
                    {
                        found = true;
                    }
                }
                if (found == negate) return false;
                p = close + 1;
                return true;
            }
        }
        if (element != c) return false;
        p++;
        return true;
    }
}

/// <summary>
/// Keeps track of the files being read: the chain of includes (to detect cycles), every file read
/// (a second include of the same file is skipped), the nesting depth and the total number of files.
/// </summary>
internal sealed class IncludeTracker(ConfigLoadOptions options, FindingCollector findings)
{
    private readonly List<string> _chain = [];
    private readonly Dictionary<string, SourceLocation?> _seen = new(IncludeResolver.PathComparer);

    /// <summary>Files entered so far, shared with other trackers of the same load.</summary>
    public int FileCount { get; set; }

    /// <summary>Returns true when <paramref name="fullPath"/> may be read now; otherwise reports why not.</summary>
    public bool TryEnter(string fullPath, SourceLocation? from)
    {
        var index = _chain.FindIndex(p => IncludeResolver.PathComparer.Equals(p, fullPath));
        if (index >= 0)
        {
            var cycle = string.Join(" -> ", _chain.Skip(index).Append(fullPath).Select(Path.GetFileName));
            findings.Add(FindingCodes.IncludeCycle,
                $"including '{fullPath}' here makes a cycle ({cycle}); the include is skipped", from);
            return false;
        }
        if (_seen.TryGetValue(fullPath, out var first))
        {
            findings.Add(FindingCodes.IncludeRepeated,
                $"'{fullPath}' is already included{(first is null ? "" : $" (at {first})")}; it is read only once (Fluent Bit stops with 'Read twice')",
                from);
            return false;
        }
        if (_chain.Count >= options.MaxIncludeDepth)
        {
            findings.Add(FindingCodes.IncludeTooDeep,
                $"includes nest more than {options.MaxIncludeDepth} files deep; '{fullPath}' is not read", from);
            return false;
        }
        if (FileCount >= options.MaxFiles)
        {
            findings.Add(FindingCodes.TooManyFiles,
                $"the configuration reads more than {options.MaxFiles} files; '{fullPath}' is not read", from);
            return false;
        }
        _chain.Add(fullPath);
        _seen[fullPath] = from;
        FileCount++;
        return true;
    }

    public void Exit() => _chain.RemoveAt(_chain.Count - 1);
}

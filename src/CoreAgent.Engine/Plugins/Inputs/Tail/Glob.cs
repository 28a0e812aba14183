namespace CoreAgent.Engine.Plugins.Inputs.Tail;

/// <summary>
/// Shell patterns as Fluent Bit's tail uses them: <see cref="Expand"/> is glob(3) with GLOB_TILDE
/// (Path), <see cref="Match"/> is fnmatch(3) without flags (Exclude_Path, matched against the whole
/// path, so <c>*</c> there also crosses <c>/</c>). Patterns: <c>*</c>, <c>?</c>, <c>[abc]</c>,
/// <c>[a-z]</c>, <c>[!x]</c>/<c>[^x]</c> and <c>\</c> to escape.
/// </summary>
public static class Glob
{
    public static bool HasWildcard(string pattern) => pattern.AsSpan().IndexOfAny("*?[") >= 0;

    /// <summary>fnmatch(pattern, text, 0). With <paramref name="pathname"/>, wildcards do not match '/' and a leading '.' must be explicit (one glob segment).</summary>
    public static bool Match(ReadOnlySpan<char> pattern, ReadOnlySpan<char> text, bool pathname = false)
    {
        if (pathname && text.Length > 0 && text[0] == '.' && (pattern.Length == 0 || pattern[0] != '.')) return false;
        int p = 0, t = 0, starP = -1, starT = -1;
        while (t < text.Length)
        {
            if (p < pattern.Length)
            {
                char c = pattern[p];
                if (c == '*')
                {
                    starP = ++p;
                    starT = t;
                    continue;
                }
                if (c == '?')
                {
                    if (!(pathname && text[t] == '/')) { p++; t++; continue; }
                }
                else if (c == '[')
                {
                    bool inClass = MatchClass(pattern, p, text[t], pathname, out int next);
                    if (next < 0) // an unclosed '[' is a literal
                    {
                        if (text[t] == '[') { p++; t++; continue; }
                    }
                    else if (inClass) { p = next; t++; continue; }
                }
                else if (c == '\\' && p + 1 < pattern.Length)
                {
                    if (pattern[p + 1] == text[t]) { p += 2; t++; continue; }
                }
                else if (c == text[t]) { p++; t++; continue; }
            }
            // Backtrack: let the last '*' take one more character.
            if (starP < 0 || (pathname && text[starT] == '/')) return false;
            p = starP;
            t = ++starT;
        }
        while (p < pattern.Length && pattern[p] == '*') p++;
        return p == pattern.Length;
    }

    // Matches one character against the class starting at pattern[start] == '['. next is the index after ']', or -1 when unclosed.
    private static bool MatchClass(ReadOnlySpan<char> pattern, int start, char ch, bool pathname, out int next)
    {
        next = -1;
        int i = start + 1;
        bool negate = i < pattern.Length && (pattern[i] == '!' || pattern[i] == '^');
        if (negate) i++;
        bool matched = false, first = true;
        while (i < pattern.Length && (pattern[i] != ']' || first))
        {
            first = false;
            char lo = pattern[i];
            if (lo == '\\' && i + 1 < pattern.Length) lo = pattern[++i];
            char hi = lo;
            if (i + 2 < pattern.Length && pattern[i + 1] == '-' && pattern[i + 2] != ']')
            {
                hi = pattern[i + 2];
                if (hi == '\\' && i + 3 < pattern.Length) hi = pattern[++i + 2];
                i += 2;
            }
            if (ch >= lo && ch <= hi) matched = true;
            i++;
        }
        if (i >= pattern.Length) return false; // unclosed: not a class
        next = i + 1;
        if (pathname && ch == '/') return false;
        return matched != negate;
    }

    /// <summary>
    /// The paths that match a glob, sorted as glob(3) sorts them. A pattern without wildcards yields
    /// itself when it exists. <c>~</c> at the start is the home directory. Unreadable directories are skipped.
    /// </summary>
    public static List<string> Expand(string pattern)
    {
        if (pattern.StartsWith('~'))
        {
            string home = Environment.GetFolderPath(Environment.SpecialFolder.UserProfile);
            if (pattern.Length == 1 || pattern[1] == '/') pattern = home + pattern[1..];
        }
        var results = new List<string>();
        if (!HasWildcard(pattern))
        {
            string plain = Unescape(pattern);
            if (File.Exists(plain) || Directory.Exists(plain)) results.Add(plain);
            return results;
        }
        bool absolute = pattern.StartsWith('/');
        var segments = pattern.Split('/', StringSplitOptions.RemoveEmptyEntries);
        Walk(absolute ? "/" : "", segments, 0, results);
        results.Sort(StringComparer.Ordinal);
        return results;
    }

    private static void Walk(string prefix, string[] segments, int index, List<string> results)
    {
        string segment = segments[index];
        bool last = index == segments.Length - 1;
        if (!HasWildcard(segment))
        {
            string path = Join(prefix, Unescape(segment));
            if (last)
            {
                if (File.Exists(path) || Directory.Exists(path)) results.Add(path);
            }
            else if (Directory.Exists(path)) Walk(path, segments, index + 1, results);
            return;
        }
        string directory = prefix.Length == 0 ? "." : prefix;
        IEnumerable<string> entries;
        try { entries = Directory.EnumerateFileSystemEntries(directory); }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException) { return; }
        var names = new List<string>();
        try
        {
            foreach (var entry in entries)
            {
                string name = System.IO.Path.GetFileName(entry);
                if (Match(segment, name, pathname: true)) names.Add(name);
            }
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException) { return; }
        names.Sort(StringComparer.Ordinal);
        foreach (var name in names)
        {
            string path = Join(prefix, name);
            if (last) results.Add(path);
            else if (Directory.Exists(path)) Walk(path, segments, index + 1, results);
        }
    }

    private static string Join(string prefix, string name) => prefix.Length == 0 ? name : prefix.EndsWith('/') ? prefix + name : prefix + "/" + name;

    private static string Unescape(string segment) => segment.Contains('\\') ? System.Text.RegularExpressions.Regex.Replace(segment, @"\\(.)", "$1") : segment;

    /// <summary>The directory a pattern's matches live under, up to its first wildcard (what a watcher watches).</summary>
    public static string BaseDirectory(string pattern)
    {
        int wildcard = pattern.AsSpan().IndexOfAny("*?[");
        string fixedPart = wildcard < 0 ? pattern : pattern[..wildcard];
        int slash = fixedPart.LastIndexOf('/');
        return slash < 0 ? "." : slash == 0 ? "/" : fixedPart[..slash];
    }
}

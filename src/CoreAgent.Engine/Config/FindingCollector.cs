using CoreAgent.Engine.Plugins.Properties;

namespace CoreAgent.Engine.Config;

/// <summary>Collects findings, with a cap per file so that a binary file cannot flood the list.</summary>
internal sealed class FindingCollector(int maxPerFile)
{
    private readonly List<ConfigFinding> _findings = [];
    private readonly Dictionary<string, int> _perFile = new(StringComparer.Ordinal);
    private readonly HashSet<string> _filesWithErrors = new(StringComparer.Ordinal);
    private readonly HashSet<string> _capped = new(StringComparer.Ordinal);

    public IReadOnlyList<ConfigFinding> All => _findings;

    public void Add(string code, string message, string? file, int line, string? section = null, string? key = null)
    {
        var severity = FindingCodes.SeverityOf(code);
        if (file is not null)
        {
            var count = _perFile.GetValueOrDefault(file) + 1;
            _perFile[file] = count;
            if (count > maxPerFile)
            {
                if (_capped.Add(file))
                    _findings.Add(new ConfigFinding(FindingCodes.SeverityOf(FindingCodes.TooManyFindings), FindingCodes.TooManyFindings,
                        $"more than {maxPerFile} problems in this file; the rest are not reported", file, 0));
                // Keep one error per file so that HasErrors stays true even past the cap.
                if (severity != ConfigSeverity.Error || !_filesWithErrors.Add(file)) return;
            }
            else if (severity == ConfigSeverity.Error)
            {
                _filesWithErrors.Add(file);
            }
        }
        _findings.Add(new ConfigFinding(severity, code, message, file, Math.Max(0, line), section, key));
    }

    public void Add(string code, string message, SourceLocation? at, string? section = null, string? key = null) =>
        Add(code, message, at?.File, at?.Line ?? 0, section, key);

    /// <summary>Orders the findings by the reading order of their files, then by line (stable).</summary>
    public IReadOnlyList<ConfigFinding> Sorted(IReadOnlyList<string> filesRead)
    {
        var order = new Dictionary<string, int>(StringComparer.Ordinal);
        for (var i = 0; i < filesRead.Count; i++) order.TryAdd(filesRead[i], i);
        return _findings
            .Select((f, i) => (f, i))
            .OrderBy(x => x.f.File is null ? -1 : order.GetValueOrDefault(x.f.File, int.MaxValue))
            .ThenBy(x => x.f.Line)
            .ThenBy(x => x.i)
            .Select(x => x.f)
            .ToList();
    }

    /// <summary>Shortens a user value for a message, keeping it on one line.</summary>
    public static string Show(string text, int max = 60)
    {
        var oneLine = text.Replace("\t", "<TAB>").Replace("\r", "\\r").Replace("\0", "\\0");
        return oneLine.Length <= max ? oneLine : oneLine[..max] + "...";
    }
}

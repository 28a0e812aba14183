using CoreAgent.Engine.Plugins.Properties;

namespace CoreAgent.Engine.Config;

/// <summary>
/// Reads Fluent Bit's classic configuration format (.conf). Never throws: every problem becomes a
/// <see cref="ConfigFinding"/>, every problem in the file is reported, and a best-effort
/// <see cref="Pipeline.PipelineDefinition"/> is always returned.
/// </summary>
public static class ClassicConfigReader
{
    public static ConfigLoadResult Read(string path, ConfigLoadOptions? options = null) =>
        ConfigReading.Run(path, options, (context, fullPath) =>
            ClassicParser.ReadFile(context, fullPath, null, FindingCodes.FileNotFound, "configuration file"));
}

/// <summary>Turns the tokens of classic files into sections, following @INCLUDE and recording @SET.</summary>
internal static class ClassicParser
{
    public static void ReadFile(ReadContext context, string fullPath, SourceLocation? from, string missingCode, string what) =>
        context.ReadFile(fullPath, from, missingCode, what, text => Parse(context, text));

    private static void Parse(ReadContext context, ConfigText text)
    {
        // Sections do not continue across files: an included file starts with no section, and the
        // including file carries on with its own section afterwards (as in Fluent Bit).
        RawSection? current = null;
        foreach (var token in ClassicLexer.Lex(text, context.Findings))
        {
            var at = new SourceLocation(text.FullPath, token.Line);
            switch (token.Kind)
            {
                case ClassicTokenKind.Include:
                    Include(context, token.Name, at);
                    break;
                case ClassicTokenKind.Directive:
                    Directive(context, token, at);
                    break;
                case ClassicTokenKind.Header:
                    current = StartSection(context, token.Name, at);
                    break;
                case ClassicTokenKind.Group:
                    if (current is null)
                        context.Findings.Add(FindingCodes.PropertyOutsideSection,
                            $"group '[{FindingCollector.Show(token.Name)}]' comes before any section header", at);
                    else
                        context.Findings.Add(FindingCodes.GroupIgnored,
                            $"group '[{FindingCollector.Show(token.Name)}]' in {current.Display} is ignored, with its doubly indented lines (CoreAgent does not use groups here)",
                            at, current.Display);
                    break;
                case ClassicTokenKind.Property:
                    if (current is null)
                        context.Findings.Add(FindingCodes.PropertyOutsideSection,
                            $"property '{FindingCollector.Show(token.Name)}' comes before any section header: put it under [SERVICE], [INPUT], [FILTER] or [OUTPUT]",
                            at, null, token.Name);
                    else
                        current.Properties.Add(new RawProperty(token.Name, token.Value, at));
                    break;
                case ClassicTokenKind.GroupProperty:
                    break;
            }
        }
    }

    private static void Include(ReadContext context, string pattern, SourceLocation at)
    {
        var files = IncludeResolver.Resolve(pattern, context.BaseDirectory, out var problem);
        if (problem is not null)
        {
            var hint = "";
            if (!Path.IsPathRooted(pattern) && !pattern.Contains('*'))
            {
                var besideIncluder = Path.Combine(Path.GetDirectoryName(at.File) ?? ".", pattern);
                if (!IncludeResolver.PathComparer.Equals(Path.GetDirectoryName(at.File), context.BaseDirectory) && File.Exists(besideIncluder))
                    hint = $" (relative paths resolve against the main file's directory '{context.BaseDirectory}', not the including file's)";
            }
            context.Findings.Add(FindingCodes.IncludeNotFound, $"cannot include '{FindingCollector.Show(pattern)}': {problem}{hint}", at);
            return;
        }
        foreach (var file in files)
            ReadFile(context, file, at, FindingCodes.IncludeNotFound, "included file");
    }

    private static void Directive(ReadContext context, ClassicToken token, SourceLocation at)
    {
        if (!token.Name.Equals("SET", StringComparison.OrdinalIgnoreCase))
        {
            context.Findings.Add(FindingCodes.UnknownDirective,
                $"'@{FindingCollector.Show(token.Name)}' is not a directive Fluent Bit knows (only @INCLUDE and @SET); the line is ignored",
                at);
            return;
        }
        // A plugins file is read on its own by Fluent Bit: its @SET lines define nothing.
        if (context.Mode == ReadMode.PluginsFile) return;

        var equals = token.Value.IndexOf('=');
        var name = equals < 0 ? "" : token.Value[..equals].Trim();
        if (equals < 0 || name.Length == 0)
        {
            context.Findings.Add(FindingCodes.BadSet,
                $"@SET needs 'name=value', not '{FindingCollector.Show(token.Value)}'", at);
            return;
        }
        context.Variables.Define(name, token.Value[(equals + 1)..].Trim());
    }

    private static RawSection StartSection(ReadContext context, string name, SourceLocation at)
    {
        var kind = SectionNames.ClassifyClassic(name);
        var section = new RawSection(kind, name, at);
        context.Sections.Add(section);
        var shown = $"[{FindingCollector.Show(name)}]";

        if (name.Length == 0) return section; // already reported as a bad header

        if (context.Mode == ReadMode.ParsersFile)
        {
            if (kind is not (SectionKind.Parser or SectionKind.MultilineParser))
                context.Findings.Add(FindingCodes.UnknownSectionIgnored,
                    $"{shown} is ignored: only [PARSER] and [MULTILINE_PARSER] sections are read from a parsers file", at, shown);
            return section;
        }

        if (context.Mode == ReadMode.PluginsFile)
        {
            if (kind != SectionKind.Plugins)
                context.Findings.Add(FindingCodes.UnknownSectionIgnored,
                    $"{shown} is ignored: only [PLUGINS] sections are read from a plugins file", at, shown);
            return section;
        }

        switch (kind)
        {
            case SectionKind.Parser:
            case SectionKind.MultilineParser:
                context.Findings.Add(FindingCodes.ParserSectionInMain,
                    $"{shown} is not allowed in the main configuration: parsers belong in the file named by [SERVICE] parsers_file",
                    at, shown);
                break;
            case SectionKind.Custom:
            case SectionKind.StreamProcessor:
            case SectionKind.UpstreamServers:
                context.Findings.Add(FindingCodes.UnsupportedSectionIgnored,
                    $"{shown} is a Fluent Bit section CoreAgent does not implement; it is ignored", at, shown);
                break;
            case SectionKind.Other:
                string? meant = NameSuggestion.Closest(name, SectionNames.Classic);
                context.Findings.Add(FindingCodes.UnknownSectionIgnored,
                    $"{shown} is not a known section (SERVICE, INPUT, FILTER, OUTPUT, PLUGINS); it is ignored" +
                    (meant is null ? "" : $": did you mean [{meant}]?"), at, shown);
                break;
        }
        if (kind != SectionKind.Other && SectionNames.CanonicalClassic(kind) is { } canonical
            && !canonical.Equals(name, StringComparison.OrdinalIgnoreCase))
        {
            // Fluent Bit reads any prefix of a section name (and the plurals) as that section: a typo
            // such as [OUTPU] silently works there; say what it was read as.
            context.Findings.Add(FindingCodes.AbbreviatedSection,
                $"{shown} is read as [{canonical}], as Fluent Bit reads it; write [{canonical}]", at, shown);
        }
        return section;
    }
}

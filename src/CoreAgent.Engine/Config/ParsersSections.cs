using CoreAgent.Engine.Parsers;
using CoreAgent.Engine.Pipeline;
using CoreAgent.Engine.Plugins.Properties;

namespace CoreAgent.Engine.Config;

/// <summary>
/// Gathers the parser definitions of a configuration: YAML parsers:/multiline_parsers: of the main
/// file and every [SERVICE] parsers_file (relative to the main file's directory, classic or YAML by
/// extension), then checks them so that Test-AgentConfig reports a bad parser with its file and line.
/// The parsers_file values are replaced by full paths, so the pipeline build knows they were read.
/// </summary>
internal static class ParsersSections
{
    public static void Collect(ReadContext context, PipelineDefinition definition)
    {
        // Classic [PARSER] sections in the main file were reported as errors by the reader; only YAML parsers: count here.
        var sections = context.Sections.Where(s => s.Kind is SectionKind.Parser or SectionKind.MultilineParser && !s.Display.StartsWith('[')).ToList();
        var files = definition.Service.GetAll("parsers_file");
        if (files.Count > 0) definition.Service.Remove("parsers_file");
        foreach (var file in files)
        {
            var value = file.Value.Trim();
            var at = file.Location ?? new SourceLocation(context.TopFile, 0);
            if (value.Length == 0) continue;
            string full;
            try
            {
                full = Path.GetFullPath(Path.Combine(context.MainDirectory, value));
            }
            catch (Exception ex) when (ex is ArgumentException or NotSupportedException or PathTooLongException)
            {
                context.Findings.Add(FindingCodes.FileNotFound, $"parsers_file '{FindingCollector.Show(value)}' is not a valid path", at, "[SERVICE]", "parsers_file");
                continue;
            }
            definition.Service.Add("parsers_file", full, file.Location);
            if (definition.ParsersFilesLoaded.Contains(full, IncludeResolver.PathComparer)) continue;
            definition.ParsersFilesLoaded.Add(full);
            var parsers = context.ForParsersFile(full);
            if (ConfigLoader.IsYamlPath(full)) YamlParser.ReadFile(parsers, full, at, FindingCodes.FileNotFound, "parsers file");
            else ClassicParser.ReadFile(parsers, full, at, FindingCodes.FileNotFound, "parsers file");
            sections.AddRange(parsers.Sections.Where(s => s.Kind is SectionKind.Parser or SectionKind.MultilineParser));
        }

        foreach (var section in sections)
        {
            var properties = new PluginProperties();
            foreach (var property in section.Properties) properties.Add(property.Key, context.Expand(property, section.Display), property.Location);
            var parser = new ParserDefinition(properties, section.Location);
            (section.Kind == SectionKind.Parser ? definition.Parsers : definition.MultilineParsers).Add(parser);
        }
        Check(context.Findings, definition);
    }

    /// <summary>Reports the problems of every definition as findings (errors: bad-parser, warnings: parser-setting).</summary>
    public static void Check(FindingCollector findings, PipelineDefinition definition)
    {
        var problems = new List<ParserProblem>();
        var registry = ParserRegistry.Create(definition.Parsers, null, problems);
        Parsers.Multiline.MultilineRegistry.Create(definition.MultilineParsers, registry, null, problems);
        foreach (var problem in problems)
            findings.Add(problem.IsError ? FindingCodes.BadParser : FindingCodes.ParserSetting, problem.Message, problem.Location, "[PARSER]", problem.Key);
    }
}

/// <summary>A parsers file read on its own, for definitions that name it without a configuration file (cmdlets).</summary>
public static class ParsersFileLoader
{
    /// <summary>Reads the file's [PARSER] and [MULTILINE_PARSER] sections into the definition and returns every finding.</summary>
    public static IReadOnlyList<ConfigFinding> LoadInto(string fullPath, PipelineDefinition definition, ConfigLoadOptions? options = null)
    {
        options ??= ConfigLoadOptions.Default;
        var findings = new FindingCollector(Math.Max(1, options.MaxFindingsPerFile));
        var filesRead = new List<string>();
        var context = ReadContext.ForParsersFileAlone(fullPath, options, findings, filesRead);
        if (ConfigLoader.IsYamlPath(fullPath)) YamlParser.ReadFile(context, fullPath, null, FindingCodes.FileNotFound, "parsers file");
        else ClassicParser.ReadFile(context, fullPath, null, FindingCodes.FileNotFound, "parsers file");
        foreach (var section in context.Sections.Where(s => s.Kind is SectionKind.Parser or SectionKind.MultilineParser))
        {
            var properties = new PluginProperties();
            foreach (var property in section.Properties) properties.Add(property.Key, context.Expand(property, section.Display), property.Location);
            (section.Kind == SectionKind.Parser ? definition.Parsers : definition.MultilineParsers).Add(new ParserDefinition(properties, section.Location));
        }
        definition.ParsersFilesLoaded.Add(fullPath);
        return findings.Sorted(filesRead);
    }
}

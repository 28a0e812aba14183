using CoreAgent.Engine.Pipeline;
using CoreAgent.Engine.Plugins.Properties;

namespace CoreAgent.Engine.Config;

internal enum ReadMode
{
    /// <summary>The configuration itself (and its includes).</summary>
    Main,

    /// <summary>A file named by [SERVICE] plugins_file: only its [PLUGINS] sections matter.</summary>
    PluginsFile,

    /// <summary>A file named by [SERVICE] parsers_file: only its [PARSER] and [MULTILINE_PARSER] sections matter.</summary>
    ParsersFile,
}

/// <summary>The state shared by the readers while one configuration is loaded.</summary>
internal sealed class ReadContext
{
    private ReadContext(string topFile, string mainDirectory, ReadMode mode, ConfigLoadOptions options,
        FindingCollector findings, VariableTable variables, List<string> filesRead)
    {
        TopFile = topFile;
        MainDirectory = mainDirectory;
        BaseDirectory = Path.GetDirectoryName(topFile) ?? mainDirectory;
        Mode = mode;
        Options = options;
        Findings = findings;
        Variables = variables;
        FilesRead = filesRead;
        Includes = new IncludeTracker(options, findings);
    }

    public static ReadContext ForMain(string fullPath, ConfigLoadOptions options, FindingCollector findings, List<string> filesRead) =>
        new(fullPath, Path.GetDirectoryName(fullPath) ?? ".", ReadMode.Main, options, findings,
            new VariableTable(options.GetEnvironmentVariable), filesRead);

    /// <summary>A context for reading a plugins file: same findings and variables, its own sections and include chain.</summary>
    public ReadContext ForPluginsFile(string fullPath)
    {
        var context = new ReadContext(fullPath, MainDirectory, ReadMode.PluginsFile, Options, Findings, Variables, FilesRead);
        context.Includes.FileCount = Includes.FileCount;
        return context;
    }

    /// <summary>A context for reading a parsers file: same findings and variables, its own sections and include chain.</summary>
    public ReadContext ForParsersFile(string fullPath)
    {
        var context = new ReadContext(fullPath, MainDirectory, ReadMode.ParsersFile, Options, Findings, Variables, FilesRead);
        context.Includes.FileCount = Includes.FileCount;
        return context;
    }

    /// <summary>A context for a parsers file read on its own (a cmdlet's -Service Parsers_File).</summary>
    public static ReadContext ForParsersFileAlone(string fullPath, ConfigLoadOptions options, FindingCollector findings, List<string> filesRead) =>
        new(fullPath, Path.GetDirectoryName(fullPath) ?? ".", ReadMode.ParsersFile, options, findings,
            new VariableTable(options.GetEnvironmentVariable), filesRead);

    /// <summary>The first file of this read (the main file, or the plugins file).</summary>
    public string TopFile { get; }

    /// <summary>The main configuration file's directory: plugins_file and plugin paths resolve against it.</summary>
    public string MainDirectory { get; }

    /// <summary>The top file's directory: classic @INCLUDE paths resolve against it, as in Fluent Bit.</summary>
    public string BaseDirectory { get; }

    public ReadMode Mode { get; }
    public ConfigLoadOptions Options { get; }
    public FindingCollector Findings { get; }
    public VariableTable Variables { get; }
    public List<string> FilesRead { get; }
    public IncludeTracker Includes { get; }
    public List<RawSection> Sections { get; } = [];

    /// <summary>Where the YAML service section was first defined (a second one is an error).</summary>
    public SourceLocation? YamlServiceAt { get; set; }

    /// <summary>
    /// Reads one file if the include rules allow it (no cycle, not read before, within the depth and
    /// file limits) and hands its text to <paramref name="parse"/>.
    /// </summary>
    public void ReadFile(string fullPath, SourceLocation? from, string missingCode, string what, Action<ConfigText> parse)
    {
        if (!Includes.TryEnter(fullPath, from)) return;
        try
        {
            var text = ConfigText.Load(fullPath, Findings, Options, from, missingCode, what);
            if (text is null) return;
            FilesRead.Add(fullPath);
            parse(text);
        }
        finally
        {
            Includes.Exit();
        }
    }

    public string Expand(RawProperty property, string? section) =>
        VariableExpander.Expand(property.Value, Variables, Findings, property.Location, section, property.Key);
}

/// <summary>Runs a reader with the never-throw guarantee and packs its result.</summary>
internal static class ConfigReading
{
    public static ConfigLoadResult Run(string path, ConfigLoadOptions? options, Action<ReadContext, string> readMain)
    {
        options ??= ConfigLoadOptions.Default;
        var findings = new FindingCollector(Math.Max(1, options.MaxFindingsPerFile));
        var filesRead = new List<string>();
        var definition = new PipelineDefinition { Name = PipelineName(path) };
        string? fullPath = null;
        try
        {
            if (string.IsNullOrWhiteSpace(path))
            {
                findings.Add(FindingCodes.FileNotFound, "no configuration file was given", null, 0);
            }
            else
            {
                fullPath = Path.GetFullPath(path);
                var context = ReadContext.ForMain(fullPath, options, findings, filesRead);
                readMain(context, fullPath);
                definition = DefinitionBuilder.Build(context, definition);
            }
        }
        catch (Exception ex) when (ex is ArgumentException or NotSupportedException or PathTooLongException)
        {
            findings.Add(FindingCodes.FileNotFound, $"'{FindingCollector.Show(path ?? "")}' is not a valid path: {ex.Message}", null, 0);
        }
        catch (Exception ex)
        {
            findings.Add(FindingCodes.InternalError, $"the configuration reader failed: {ex.GetType().Name}: {ex.Message}", fullPath, 0);
        }
        return new ConfigLoadResult(definition, findings.Sorted(filesRead), filesRead.ToArray());
    }

    private static string PipelineName(string? path)
    {
        try
        {
            var name = Path.GetFileNameWithoutExtension(path);
            return string.IsNullOrEmpty(name) ? "pipeline" : name;
        }
        catch (ArgumentException)
        {
            return "pipeline";
        }
    }
}

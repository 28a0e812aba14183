using CoreAgent.Engine.Pipeline;
using CoreAgent.Engine.Plugins;
using CoreAgent.Engine.Plugins.Properties;

namespace CoreAgent.Engine.Config;

/// <summary>
/// Turns the sections read by either format into a <see cref="PipelineDefinition"/>: expands
/// variables, merges the service sections, checks plugin sections for Name and repeated keys, and
/// gathers Go plugin paths (plugins_file first, as Fluent Bit loads it while reading the service,
/// then [PLUGINS] sections / the YAML plugins list) as absolute paths.
/// </summary>
internal static class DefinitionBuilder
{
    public static PipelineDefinition Build(ReadContext context, PipelineDefinition definition)
    {
        foreach (var section in context.Sections.Where(s => s.Kind == SectionKind.Service))
            AddService(context, definition, section);

        if (definition.Service.Find("plugins_file") is { } pluginsFile)
            foreach (var section in PluginsFileReader.Read(context, pluginsFile))
                AddPluginPaths(context, definition, section);

        ParsersSections.Collect(context, definition);

        foreach (var section in context.Sections)
        {
            switch (section.Kind)
            {
                case SectionKind.Input:
                    AddInstance(context, definition.Inputs, section);
                    break;
                case SectionKind.Filter:
                    AddInstance(context, definition.Filters, section);
                    break;
                case SectionKind.Output:
                    AddInstance(context, definition.Outputs, section);
                    break;
                case SectionKind.Plugins:
                    AddPluginPaths(context, definition, section);
                    break;
            }
        }
        return definition;
    }

    private static void AddService(ReadContext context, PipelineDefinition definition, RawSection section)
    {
        if (section.Properties.Count == 0)
            context.Findings.Add(FindingCodes.EmptySection, $"{section.Display} has no properties", section.Location, section.Display);
        foreach (var property in section.Properties)
        {
            var value = context.Expand(property, section.Display);
            if (property.Key.Equals("parsers_file", StringComparison.OrdinalIgnoreCase))
            {
                definition.Service.Add(property.Key, value, property.Location); // Fluent Bit reads every one
                continue;
            }
            if (definition.Service.Find(property.Key) is { } earlier)
                context.Findings.Add(FindingCodes.ServiceKeyRepeated,
                    $"service property '{property.Key}' is set again (first at {earlier.Location}); the last value, '{FindingCollector.Show(value)}', is used",
                    property.Location, section.Display, property.Key);
            definition.Service.Set(property.Key, value, property.Location);
        }
    }

    private static void AddInstance(ReadContext context, List<PluginInstanceSpec> list, RawSection section)
    {
        var pluginName = section.Properties.LastOrDefault(p => p.Key.Equals("name", StringComparison.OrdinalIgnoreCase))?.Value.Trim();
        var multiple = MultipleKeys(section.Kind, pluginName);
        foreach (var listed in section.Properties.Where(p => p.FromList && !multiple.Contains(p.Key)).GroupBy(p => p.Key, StringComparer.OrdinalIgnoreCase))
        {
            context.Findings.Add(FindingCodes.UnsupportedValue,
                $"property '{FindingCollector.Show(listed.Key)}' in {section.Display} has a list value; CoreAgent takes a single value per property",
                listed.First().Location, section.Display, listed.Key);
        }
        var kept = section.Properties.Where(p => !p.FromList || multiple.Contains(p.Key)).ToList();
        foreach (var repeated in kept.GroupBy(p => p.Key, StringComparer.OrdinalIgnoreCase)
                     .Where(g => g.Count() > 1 && !multiple.Contains(g.Key)))
        {
            var occurrences = repeated.ToList();
            var lines = string.Join(", ", occurrences.Select(p => p.Location.Line));
            context.Findings.Add(FindingCodes.DuplicateKey,
                $"property '{repeated.Key}' is set {occurrences.Count} times in {section.Display} (lines {lines}); give it once",
                occurrences[1].Location, section.Display, repeated.Key);
        }

        var properties = new PluginProperties();
        foreach (var property in kept)
        {
            var value = context.Expand(property, section.Display);
            if (multiple.Contains(property.Key)) properties.Add(property.Key, value, property.Location);
            else properties.Set(property.Key, value, property.Location);
        }

        var name = properties.Get("name");
        if (string.IsNullOrWhiteSpace(name))
        {
            var why = name is null ? "has no Name" : "has an empty Name";
            context.Findings.Add(FindingCodes.MissingName,
                $"{section.Display} {why}: it needs 'Name', the plugin to run; it is left out of the pipeline",
                section.Location, section.Display, "name");
            return;
        }
        list.Add(new PluginInstanceSpec(name, properties, section.Location));
    }

    /// <summary>The keys the named built-in plugin takes several times (none for unknown or Go plugins).</summary>
    private static HashSet<string> MultipleKeys(SectionKind kind, string? pluginName)
    {
        var keys = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        PluginType? type = kind switch
        {
            SectionKind.Input => PluginType.Input,
            SectionKind.Filter => PluginType.Filter,
            SectionKind.Output => PluginType.Output,
            _ => null,
        };
        if (type is null || string.IsNullOrWhiteSpace(pluginName)) return keys;
        var plugin = BuiltInPlugins.All.FirstOrDefault(p => p.Type == type && p.Name.Equals(pluginName, StringComparison.OrdinalIgnoreCase));
        foreach (var spec in plugin?.Properties ?? []) if (spec.Multiple) keys.Add(spec.Name);
        return keys;
    }

    private static void AddPluginPaths(ReadContext context, PipelineDefinition definition, RawSection section)
    {
        if (section.Properties.Count == 0)
            context.Findings.Add(FindingCodes.EmptySection, $"{section.Display} has no Path", section.Location, section.Display);
        foreach (var property in section.Properties)
        {
            if (!property.Key.Equals("path", StringComparison.OrdinalIgnoreCase))
            {
                context.Findings.Add(FindingCodes.UnknownKeyIgnored,
                    $"'{FindingCollector.Show(property.Key)}' in {section.Display} is ignored: only Path names a plugin to load",
                    property.Location, section.Display, property.Key);
                continue;
            }
            AddPluginPath(context, definition, context.Expand(property, section.Display), property.Location, section.Display);
        }
    }

    private static void AddPluginPath(ReadContext context, PipelineDefinition definition, string value, SourceLocation at, string section)
    {
        if (value.Trim().Length == 0)
        {
            context.Findings.Add(FindingCodes.UndefinedValue, "the plugin path is empty", at, section, "path");
            return;
        }
        string full;
        try
        {
            full = Path.GetFullPath(Path.Combine(context.MainDirectory, value.Trim()));
        }
        catch (Exception ex) when (ex is ArgumentException or NotSupportedException or PathTooLongException)
        {
            context.Findings.Add(FindingCodes.PluginPathNotFound,
                $"plugin path '{FindingCollector.Show(value)}' is not a valid path", at, section, "path");
            return;
        }
        if (definition.PluginPaths.Contains(full, IncludeResolver.PathComparer))
        {
            context.Findings.Add(FindingCodes.PluginPathRepeated,
                $"plugin '{full}' is already listed; it is loaded once", at, section, "path");
            return;
        }
        if (!File.Exists(full))
            context.Findings.Add(FindingCodes.PluginPathNotFound,
                $"plugin '{full}' does not exist; loading it will fail", at, section, "path");
        definition.PluginPaths.Add(full);
    }
}

/// <summary>Reads the file named by [SERVICE] plugins_file (classic, or YAML by extension).</summary>
internal static class PluginsFileReader
{
    /// <summary>Returns the plugins sections of the file; problems are reported as findings.</summary>
    public static IReadOnlyList<RawSection> Read(ReadContext context, PluginProperty pluginsFile)
    {
        var location = pluginsFile.Location ?? new SourceLocation(context.TopFile, 0);
        var value = pluginsFile.Value.Trim(); // already expanded with the rest of the service
        if (value.Length == 0) return [];
        string full;
        try
        {
            full = Path.GetFullPath(Path.Combine(context.MainDirectory, value));
        }
        catch (Exception ex) when (ex is ArgumentException or NotSupportedException or PathTooLongException)
        {
            context.Findings.Add(FindingCodes.FileNotFound, $"plugins_file '{FindingCollector.Show(value)}' is not a valid path", location, "[SERVICE]", "plugins_file");
            return [];
        }

        if (!File.Exists(full) && !Directory.Exists(full))
        {
            // Reported here rather than by the file reader so that the finding names its key.
            context.Findings.Add(FindingCodes.FileNotFound, $"plugins file '{full}' does not exist", location, "[SERVICE]", "plugins_file");
            return [];
        }
        var plugins = context.ForPluginsFile(full);
        if (ConfigLoader.IsYamlPath(full))
            YamlParser.ReadFile(plugins, full, location, FindingCodes.FileNotFound, "plugins file");
        else
            ClassicParser.ReadFile(plugins, full, location, FindingCodes.FileNotFound, "plugins file");
        return plugins.Sections.Where(s => s.Kind == SectionKind.Plugins).ToList();
    }
}

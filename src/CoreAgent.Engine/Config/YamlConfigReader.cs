using CoreAgent.Engine.Plugins.Properties;

namespace CoreAgent.Engine.Config;

/// <summary>
/// Reads Fluent Bit's YAML configuration format (.yaml, .yml): env, includes, service, pipeline
/// (inputs, filters, outputs) and plugins are used; parsers, multiline_parsers, customs,
/// stream_processor and upstream_servers are ignored with a warning. Never throws: every problem
/// becomes a <see cref="ConfigFinding"/> and a best-effort definition is always returned.
/// </summary>
public static class YamlConfigReader
{
    public static ConfigLoadResult Read(string path, ConfigLoadOptions? options = null) =>
        ConfigReading.Run(path, options, (context, fullPath) =>
            YamlParser.ReadFile(context, fullPath, null, FindingCodes.FileNotFound, "configuration file"));
}

/// <summary>Turns YAML files into sections, following includes (relative to the including file) and recording env.</summary>
internal static class YamlParser
{
    public static void ReadFile(ReadContext context, string fullPath, SourceLocation? from, string missingCode, string what) =>
        context.ReadFile(fullPath, from, missingCode, what, text => Parse(context, text));

    private sealed record FileScope(ReadContext Context, ConfigText Text)
    {
        public SourceLocation At(YNode node) => new(Text.FullPath, Math.Clamp(node.Line, 0, Text.Lines.Length));
        public SourceLocation At(int line) => new(Text.FullPath, Math.Clamp(line, 0, Text.Lines.Length));
        public FindingCollector Findings => Context.Findings;
    }

    private static void Parse(ReadContext context, ConfigText text)
    {
        var scope = new FileScope(context, text);
        var result = YamlTree.Parse(text.Text);
        if (result.Error is not null)
            scope.Findings.Add(FindingCodes.InvalidYaml, $"invalid YAML: {result.Error}", scope.At(Math.Max(1, result.ErrorLine)));
        if (result.Documents > 1)
            scope.Findings.Add(FindingCodes.YamlMultipleDocuments,
                "the file holds more than one YAML document; only the first is read", scope.At(result.SecondDocumentLine));
        switch (result.Root)
        {
            case null:
                return;
            case YScalar { IsPlainEmpty: true }:
                return;
            case YMapping root:
                foreach (var (key, value) in root.Pairs) TopLevel(scope, key, value);
                return;
            default:
                scope.Findings.Add(FindingCodes.YamlStructure,
                    "the top level of a YAML configuration must be a map of sections (env, includes, service, pipeline, plugins)",
                    scope.At(result.Root));
                return;
        }
    }

    private static void TopLevel(FileScope scope, YNode key, YNode value)
    {
        if (key is not YScalar { Value: var name })
        {
            scope.Findings.Add(FindingCodes.YamlStructure, "a section name must be a plain string", scope.At(key));
            return;
        }
        var at = scope.At(key);
        if (scope.Context.Mode == ReadMode.ParsersFile && !name.ToLowerInvariant().EndsWith("parsers", StringComparison.Ordinal))
        {
            scope.Findings.Add(FindingCodes.UnknownSectionIgnored,
                $"'{FindingCollector.Show(name)}' is ignored: only 'parsers' and 'multiline_parsers' are read from a parsers file", at, name);
            return;
        }
        if (scope.Context.Mode == ReadMode.PluginsFile && !name.Equals("plugins", StringComparison.OrdinalIgnoreCase))
        {
            scope.Findings.Add(FindingCodes.UnknownSectionIgnored,
                $"'{FindingCollector.Show(name)}' is ignored: only 'plugins' is read from a plugins file", at, name);
            return;
        }
        switch (name.ToLowerInvariant())
        {
            case "env":
                Env(scope, value, at);
                break;
            case "includes":
                Includes(scope, value, at);
                break;
            case "service":
                Service(scope, value, at);
                break;
            case "pipeline":
                Pipeline(scope, value, at);
                break;
            case "plugins":
                Plugins(scope, value, at);
                break;
            case "parsers":
                Parsers(scope, value, SectionKind.Parser, "parsers");
                break;
            case "multiline_parsers":
                Parsers(scope, value, SectionKind.MultilineParser, "multiline_parsers");
                break;
            case "customs":
            case "stream_processor":
            case "upstream_servers":
                scope.Findings.Add(FindingCodes.UnsupportedSectionIgnored,
                    $"'{name}' is a Fluent Bit section CoreAgent does not implement; it is ignored", at, name);
                break;
            default:
                scope.Findings.Add(FindingCodes.UnknownSectionIgnored,
                    $"'{FindingCollector.Show(name)}' is not a known section (env, includes, service, pipeline, plugins); it is ignored",
                    at, FindingCollector.Show(name));
                break;
        }
    }

    private static bool IsNothing(YNode node) => node is YScalar { IsPlainEmpty: true };

    private static YMapping? ExpectMapping(FileScope scope, YNode value, string what)
    {
        if (value is YMapping mapping) return mapping;
        if (!IsNothing(value))
            scope.Findings.Add(FindingCodes.YamlStructure, $"'{what}' must be a map of keys and values", scope.At(value), what);
        return null;
    }

    private static YSequence? ExpectSequence(FileScope scope, YNode value, string what, string example)
    {
        if (value is YSequence sequence) return sequence;
        if (!IsNothing(value))
            scope.Findings.Add(FindingCodes.YamlStructure, $"'{what}' must be a list ({example})", scope.At(value), what);
        return null;
    }

    private static void Env(FileScope scope, YNode value, SourceLocation at)
    {
        if (ExpectMapping(scope, value, "env") is not { } env) return;
        foreach (var (key, item) in env.Pairs)
        {
            if (key is not YScalar { Value: var name } || name.Length == 0)
            {
                scope.Findings.Add(FindingCodes.YamlStructure, "an env variable name must be a plain string", scope.At(key), "env");
                continue;
            }
            if (item is not YScalar scalar)
            {
                scope.Findings.Add(FindingCodes.UnsupportedValue,
                    $"env variable '{FindingCollector.Show(name)}' must have a single value, not a list or a map", scope.At(item), "env", name);
                continue;
            }
            scope.Context.Variables.Define(name, scalar.Value);
        }
    }

    private static void Includes(FileScope scope, YNode value, SourceLocation at)
    {
        List<YNode>? items;
        if (value is YScalar { IsPlainEmpty: false } single)
        {
            scope.Findings.Add(FindingCodes.YamlStructure, "'includes' must be a list (- other.yaml); the single path is used", scope.At(value), "includes");
            items = [single];
        }
        else
        {
            items = ExpectSequence(scope, value, "includes", "- other.yaml")?.Items;
        }
        foreach (var item in items ?? [])
        {
            if (item is not YScalar { Value: var pattern } || pattern.Trim().Length == 0)
            {
                scope.Findings.Add(FindingCodes.YamlStructure, "each include must be a file path", scope.At(item), "includes");
                continue;
            }
            var from = scope.At(item);
            var files = IncludeResolver.Resolve(pattern.Trim(), scope.Text.Directory, out var problem);
            if (problem is not null)
            {
                scope.Findings.Add(FindingCodes.IncludeNotFound, $"cannot include '{FindingCollector.Show(pattern)}': {problem}", from, "includes");
                continue;
            }
            foreach (var file in files)
                ReadFile(scope.Context, file, from, FindingCodes.IncludeNotFound, "included file");
        }
    }

    private static void Service(FileScope scope, YNode value, SourceLocation at)
    {
        if (scope.Context.YamlServiceAt is { } first)
            scope.Findings.Add(FindingCodes.DuplicateService,
                $"'service' is defined again (first at {first}); Fluent Bit rejects a second definition. The values are merged", at, "service");
        else
            scope.Context.YamlServiceAt = at;

        var section = new RawSection(SectionKind.Service, "service", at, "service");
        scope.Context.Sections.Add(section);
        if (ExpectMapping(scope, value, "service") is { } mapping)
            AddProperties(scope, section, mapping, "service");
    }

    private static void Pipeline(FileScope scope, YNode value, SourceLocation at)
    {
        if (ExpectMapping(scope, value, "pipeline") is not { } pipeline) return;
        foreach (var (key, list) in pipeline.Pairs)
        {
            var component = (key as YScalar)?.Value ?? "";
            var kind = component.ToLowerInvariant() switch
            {
                "inputs" => SectionKind.Input,
                "filters" => SectionKind.Filter,
                "outputs" => SectionKind.Output,
                "customs" => SectionKind.Custom,
                _ => SectionKind.Other,
            };
            if (kind == SectionKind.Other)
            {
                scope.Findings.Add(FindingCodes.YamlStructure,
                    $"the pipeline component '{FindingCollector.Show(component)}' is not valid: use inputs, filters or outputs", scope.At(key), "pipeline");
                continue;
            }
            if (kind == SectionKind.Custom)
            {
                scope.Findings.Add(FindingCodes.UnsupportedSectionIgnored,
                    "'customs' is a Fluent Bit section CoreAgent does not implement; it is ignored", scope.At(key), "pipeline");
                continue;
            }
            var singular = component.ToLowerInvariant()[..^1];
            if (ExpectSequence(scope, list, $"pipeline.{component}", $"- name: {ExampleName(kind)}") is not { } entries) continue;
            for (var i = 0; i < entries.Items.Count; i++)
            {
                var display = $"pipeline.{component.ToLowerInvariant()}[{i}]";
                if (entries.Items[i] is not YMapping entry)
                {
                    scope.Findings.Add(FindingCodes.YamlStructure,
                        $"each {singular} must be a map of properties starting with 'name' ({display})", scope.At(entries.Items[i]), display);
                    continue;
                }
                var section = new RawSection(kind, singular, scope.At(entry), display);
                scope.Context.Sections.Add(section);
                AddProperties(scope, section, entry, display);
            }
        }
    }

    private static string ExampleName(SectionKind kind) => kind switch
    {
        SectionKind.Input => "dummy",
        SectionKind.Filter => "grep",
        _ => "stdout",
    };

    private static void AddProperties(FileScope scope, RawSection section, YMapping mapping, string display)
    {
        foreach (var (keyNode, valueNode) in mapping.Pairs)
        {
            if (keyNode is not YScalar { Value: var rawKey } || rawKey.Trim().Length == 0)
            {
                scope.Findings.Add(FindingCodes.YamlStructure, "a property name must be a plain string", scope.At(keyNode), display);
                continue;
            }
            var key = KeyNames.FromYaml(rawKey.Trim());
            var at = scope.At(keyNode);
            if (key is "processors" or "routes")
            {
                scope.Findings.Add(FindingCodes.UnsupportedSectionIgnored,
                    $"'{key}' in {display} is ignored: CoreAgent does not implement {key} yet", at, display, key);
                continue;
            }
            switch (valueNode)
            {
                case YScalar { IsPlainEmpty: true }:
                    scope.Findings.Add(FindingCodes.UndefinedValue, $"undefined value: key '{FindingCollector.Show(rawKey)}' has no value", at, display, key);
                    break;
                case YScalar scalar:
                    section.Properties.Add(new RawProperty(key, scalar.Value, at));
                    break;
                case YSequence list when list.Items.Count > 0 && list.Items.All(i => i is YScalar { IsPlainEmpty: false }):
                    // A list gives a key several values, as repeating it does in a classic file; the
                    // repeated-key check then decides whether the plugin takes it more than once.
                    foreach (var item in list.Items) section.Properties.Add(new RawProperty(key, ((YScalar)item).Value, scope.At(item), FromList: true));
                    break;
                default:
                    scope.Findings.Add(FindingCodes.UnsupportedValue,
                        $"property '{FindingCollector.Show(key)}' in {display} has a {(valueNode is YSequence ? "list" : "map")} value; CoreAgent takes a single value per property",
                        at, display, key);
                    break;
            }
        }
    }

    /// <summary>parsers: / multiline_parsers: a list of maps; a multiline parser's rules: a list of {state, regex, next_state}.</summary>
    private static void Parsers(FileScope scope, YNode value, SectionKind kind, string what)
    {
        if (ExpectSequence(scope, value, what, "- name: json") is not { } list) return;
        for (int i = 0; i < list.Items.Count; i++)
        {
            var display = $"{what}[{i}]";
            if (list.Items[i] is not YMapping entry)
            {
                scope.Findings.Add(FindingCodes.YamlStructure, $"each entry of '{what}' must be a map of properties ({display})", scope.At(list.Items[i]), display);
                continue;
            }
            var section = new RawSection(kind, what, scope.At(entry), display);
            scope.Context.Sections.Add(section);
            var plain = new YMapping(entry.Line);
            plain.Pairs.AddRange(entry.Pairs.Where(p => !(kind == SectionKind.MultilineParser && p.Key is YScalar { Value: var k } && k.Equals("rules", StringComparison.OrdinalIgnoreCase))));
            AddProperties(scope, section, plain, display);
            foreach (var (key, rules) in entry.Pairs)
            {
                if (kind != SectionKind.MultilineParser || key is not YScalar { Value: var name } || !name.Equals("rules", StringComparison.OrdinalIgnoreCase)) continue;
                if (ExpectSequence(scope, rules, $"{display}.rules", "- state: start_state") is not { } ruleList) continue;
                foreach (var rule in ruleList.Items)
                {
                    string? Field(string field) => (rule as YMapping)?.Pairs.FirstOrDefault(p => p.Key is YScalar { Value: var f } && f.Equals(field, StringComparison.OrdinalIgnoreCase)).Value is YScalar { Value: var v } ? v : null;
                    if (Field("state") is not { } state || Field("regex") is not { } regex || Field("next_state") is not { } next)
                    {
                        scope.Findings.Add(FindingCodes.YamlStructure, $"each rule of {display} needs state, regex and next_state", scope.At(rule), display, "rules");
                        continue;
                    }
                    section.Properties.Add(new RawProperty("rule", Engine.Parsers.Multiline.RuleText.Join(state, regex, next), scope.At(rule)));
                }
            }
        }
    }

    private static void Plugins(FileScope scope, YNode value, SourceLocation at)
    {
        if (ExpectSequence(scope, value, "plugins", "- /path/to/out_plugin.so") is not { } list) return;
        var section = new RawSection(SectionKind.Plugins, "plugins", at, "plugins");
        scope.Context.Sections.Add(section);
        foreach (var item in list.Items)
        {
            if (item is YScalar { IsPlainEmpty: false } scalar)
                section.Properties.Add(new RawProperty("path", scalar.Value, scope.At(item)));
            else
                scope.Findings.Add(FindingCodes.YamlStructure, "each entry of 'plugins' must be the path of a .so file", scope.At(item), "plugins");
        }
    }
}

namespace CoreAgent.Engine.Config;

/// <summary>
/// The stable codes of <see cref="ConfigFinding"/>. Each code always has the same severity
/// (see <see cref="SeverityOf"/>). Scripts may match on these strings: never rename one.
/// </summary>
public static class FindingCodes
{
    // ---- Files and text ---------------------------------------------------------------------

    /// <summary>Error: the configuration file or the plugins file named by <c>plugins_file</c> does not exist.</summary>
    public const string FileNotFound = "file-not-found";

    /// <summary>Error: a file exists but cannot be read (a directory, no permission, an I/O error).</summary>
    public const string FileUnreadable = "file-unreadable";

    /// <summary>Error: a file is larger than the reader accepts (64 MiB by default); it is not read.</summary>
    public const string FileTooLarge = "file-too-large";

    /// <summary>Error: a file contains NUL bytes, so it is not a text configuration file.</summary>
    public const string BinaryContent = "binary-content";

    /// <summary>Warning: a file is not valid UTF-8; the bad bytes are read as U+FFFD.</summary>
    public const string InvalidUtf8 = "invalid-utf8";

    /// <summary>Warning: a file starts with a byte order mark (or is UTF-16/UTF-32). CoreAgent reads it; Fluent Bit does not.</summary>
    public const string ByteOrderMark = "byte-order-mark";

    // ---- Classic format: sections -----------------------------------------------------------

    /// <summary>Error: a line starting with '[' has no closing ']' ("bad header definition"), or the name between the brackets is empty.</summary>
    public const string BadHeader = "bad-header";

    /// <summary>Warning: text after the closing ']' of a section header; it is ignored.</summary>
    public const string TextAfterHeader = "text-after-header";

    /// <summary>Error: a section header such as [OUTPUT] is indented; headers must start at column 0.</summary>
    public const string IndentedHeader = "indented-header";

    /// <summary>Error: a [PARSER] or [MULTILINE_PARSER] section in the configuration file; parsers belong in the file named by parsers_file.</summary>
    public const string ParserSectionInMain = "parser-section-in-main";

    /// <summary>Warning: a section header that Fluent Bit reads as a known section although it is not its name ([OUTPU], [FILTERS]).</summary>
    public const string AbbreviatedSection = "abbreviated-section";

    /// <summary>Warning: a section whose name matches no section type is accepted and ignored, as Fluent Bit does.</summary>
    public const string UnknownSectionIgnored = "unknown-section-ignored";

    /// <summary>Warning: a section (or YAML key) Fluent Bit knows but CoreAgent does not implement (customs, parsers, processors, stream processors, upstream servers) is ignored.</summary>
    public const string UnsupportedSectionIgnored = "unsupported-section-ignored";

    /// <summary>Warning: a [SERVICE] or [PLUGINS] section has no properties.</summary>
    public const string EmptySection = "empty-section";

    /// <summary>Warning: an indented [group] line inside a section; groups (and their doubly indented lines) are ignored.</summary>
    public const string GroupIgnored = "group-ignored";

    // ---- Classic format: indentation and properties ------------------------------------------

    /// <summary>Error: a property line starts at column 0; properties must be indented under their section header.</summary>
    public const string MissingIndent = "missing-indent";

    /// <summary>Error: a property line is indented differently from the indent fixed by the first indented line of the file (too little, or extra indentation).</summary>
    public const string IndentMismatch = "indent-mismatch";

    /// <summary>Error: a line's indentation uses tabs where the fixed indent uses spaces, or the other way round.</summary>
    public const string MixedIndent = "mixed-indent";

    /// <summary>Error: a line holding only whitespace is shorter or longer than the fixed indent; Fluent Bit rejects it although it looks blank.</summary>
    public const string BlankLineIndent = "blank-line-indent";

    /// <summary>Error: a key with no value ("undefined value"): nothing after the key, or only spaces.</summary>
    public const string UndefinedValue = "undefined-value";

    /// <summary>Error: a tab separates key and value; Fluent Bit splits a property only at the first space.</summary>
    public const string TabSeparator = "tab-separator";

    /// <summary>Error: a property line comes before any section header.</summary>
    public const string PropertyOutsideSection = "property-outside-section";

    /// <summary>Error: a key is given more than once in one plugin section ("property 'rate' is set 2 times").</summary>
    public const string DuplicateKey = "duplicate-key";

    /// <summary>Error: an [INPUT], [FILTER] or [OUTPUT] section (or a YAML pipeline entry) has no Name, so no plugin can be chosen; the section is left out.</summary>
    public const string MissingName = "missing-name";

    /// <summary>Warning: a [SERVICE] property is set again (in the same or a repeated [SERVICE] section); the last value is used.</summary>
    public const string ServiceKeyRepeated = "service-key-repeated";

    /// <summary>Warning: a key other than Path in a [PLUGINS] section; it is ignored.</summary>
    public const string UnknownKeyIgnored = "unknown-key-ignored";

    // ---- Classic format: directives, includes and variables -----------------------------------

    /// <summary>Error: a line starting with '@' that is not a usable directive (for example @INCLUDE or @SET with nothing after it).</summary>
    public const string BadDirective = "bad-directive";

    /// <summary>Warning: an '@' directive other than @INCLUDE and @SET; it is ignored, as Fluent Bit does.</summary>
    public const string UnknownDirective = "unknown-directive";

    /// <summary>Error: @SET without "name=value", or with an empty name.</summary>
    public const string BadSet = "bad-set";

    /// <summary>Error: an included file does not exist, or an include pattern matches no file.</summary>
    public const string IncludeNotFound = "include-not-found";

    /// <summary>Error: a file includes itself, directly or through other files; the include is skipped.</summary>
    public const string IncludeCycle = "include-cycle";

    /// <summary>Warning: a file is included a second time (not in a cycle); it is read only once. Fluent Bit stops with "Read twice".</summary>
    public const string IncludeRepeated = "include-repeated";

    /// <summary>Error: includes nest deeper than the limit (64 by default); the deeper include is skipped.</summary>
    public const string IncludeTooDeep = "include-too-deep";

    /// <summary>Error: more files than the limit (1000, as in Fluent Bit) take part in one configuration.</summary>
    public const string TooManyFiles = "too-many-files";

    /// <summary>Warning: ${name} names a variable set neither by @SET / env nor in the environment; it expands to "".</summary>
    public const string UnsetVariable = "unset-variable";

    // ---- Go plugins ---------------------------------------------------------------------------

    /// <summary>Warning: a plugin path ([PLUGINS] Path, the plugins file, or YAML plugins) names no existing file; loading it will fail.</summary>
    public const string PluginPathNotFound = "plugin-path-not-found";

    /// <summary>Warning: the same plugin path is listed twice; it is loaded once.</summary>
    public const string PluginPathRepeated = "plugin-path-repeated";

    // ---- YAML ---------------------------------------------------------------------------------

    /// <summary>Error: the file is not valid YAML; everything read before the error is kept.</summary>
    public const string InvalidYaml = "invalid-yaml";

    /// <summary>Error: valid YAML of the wrong shape (the top level is not a map, inputs is not a list of maps, an unknown pipeline component, ...).</summary>
    public const string YamlStructure = "yaml-structure";

    /// <summary>Error: a property's value is a list or a map where a single value is needed.</summary>
    public const string UnsupportedValue = "unsupported-value";

    /// <summary>Error: the YAML 'service' section is defined more than once (in the file or its includes); the values are merged.</summary>
    public const string DuplicateService = "duplicate-service";

    /// <summary>Warning: the YAML file holds more than one document; only the first is read.</summary>
    public const string YamlMultipleDocuments = "yaml-multiple-documents";

    // ---- Property checks (reported by the property-schema checks, not by the readers) -------

    /// <summary>Error: a size such as mem_buf_limit cannot be parsed (sizes use k = 1000: 512k, 5M, 1G).</summary>
    public const string BadSize = "bad-size";

    /// <summary>Error: a value does not fit its property's type (a number, a boolean, a log level, JSON, ...).</summary>
    public const string BadValue = "bad-value";

    /// <summary>Error: a built-in plugin has no property of this name; the message lists the allowed ones.</summary>
    public const string UnknownProperty = "unknown-property";

    /// <summary>Warning: a Go plugin is given a key reserved by the engine (host, port, tls, ...); the plugin never sees its value.</summary>
    public const string ReservedKey = "reserved-key";

    // ---- Reader limits ------------------------------------------------------------------------

    /// <summary>Error: a [PARSER] or [MULTILINE_PARSER] definition cannot be used (unknown format, bad regex, bad Time_Offset, repeated name...); Fluent Bit refuses the parsers file.</summary>
    public const string BadParser = "bad-parser";

    /// <summary>Warning: a parser setting is ignored or only partly honoured (unknown key, bad Types entry, Decode_Field, a regex note).</summary>
    public const string ParserSetting = "parser-setting";

    /// <summary>Warning: a file produced so many findings (1000 by default) that the rest are not reported.</summary>
    public const string TooManyFindings = "too-many-findings";

    /// <summary>Error: the reader failed unexpectedly. This is a CoreAgent bug; please report it with the file.</summary>
    public const string InternalError = "internal-error";

    private static readonly Dictionary<string, ConfigSeverity> Severities = new(StringComparer.Ordinal)
    {
        [FileNotFound] = ConfigSeverity.Error,
        [FileUnreadable] = ConfigSeverity.Error,
        [FileTooLarge] = ConfigSeverity.Error,
        [BinaryContent] = ConfigSeverity.Error,
        [InvalidUtf8] = ConfigSeverity.Warning,
        [ByteOrderMark] = ConfigSeverity.Warning,
        [BadHeader] = ConfigSeverity.Error,
        [TextAfterHeader] = ConfigSeverity.Warning,
        [IndentedHeader] = ConfigSeverity.Error,
        [ParserSectionInMain] = ConfigSeverity.Error,
        [UnknownSectionIgnored] = ConfigSeverity.Warning,
        [AbbreviatedSection] = ConfigSeverity.Warning,
        [UnsupportedSectionIgnored] = ConfigSeverity.Warning,
        [EmptySection] = ConfigSeverity.Warning,
        [GroupIgnored] = ConfigSeverity.Warning,
        [MissingIndent] = ConfigSeverity.Error,
        [IndentMismatch] = ConfigSeverity.Error,
        [MixedIndent] = ConfigSeverity.Error,
        [BlankLineIndent] = ConfigSeverity.Error,
        [UndefinedValue] = ConfigSeverity.Error,
        [TabSeparator] = ConfigSeverity.Error,
        [PropertyOutsideSection] = ConfigSeverity.Error,
        [DuplicateKey] = ConfigSeverity.Error,
        [MissingName] = ConfigSeverity.Error,
        [ServiceKeyRepeated] = ConfigSeverity.Warning,
        [UnknownKeyIgnored] = ConfigSeverity.Warning,
        [BadDirective] = ConfigSeverity.Error,
        [UnknownDirective] = ConfigSeverity.Warning,
        [BadSet] = ConfigSeverity.Error,
        [IncludeNotFound] = ConfigSeverity.Error,
        [IncludeCycle] = ConfigSeverity.Error,
        [IncludeRepeated] = ConfigSeverity.Warning,
        [IncludeTooDeep] = ConfigSeverity.Error,
        [TooManyFiles] = ConfigSeverity.Error,
        [UnsetVariable] = ConfigSeverity.Warning,
        [PluginPathNotFound] = ConfigSeverity.Warning,
        [PluginPathRepeated] = ConfigSeverity.Warning,
        [InvalidYaml] = ConfigSeverity.Error,
        [YamlStructure] = ConfigSeverity.Error,
        [UnsupportedValue] = ConfigSeverity.Error,
        [DuplicateService] = ConfigSeverity.Error,
        [YamlMultipleDocuments] = ConfigSeverity.Warning,
        [BadSize] = ConfigSeverity.Error,
        [BadValue] = ConfigSeverity.Error,
        [UnknownProperty] = ConfigSeverity.Error,
        [ReservedKey] = ConfigSeverity.Warning,
        [BadParser] = ConfigSeverity.Error,
        [ParserSetting] = ConfigSeverity.Warning,
        [TooManyFindings] = ConfigSeverity.Warning,
        [InternalError] = ConfigSeverity.Error,
    };

    /// <summary>Every code, in the order above.</summary>
    public static IReadOnlyCollection<string> All => Severities.Keys;

    /// <summary>The fixed severity of a code (Error for an unknown code).</summary>
    public static ConfigSeverity SeverityOf(string code) =>
        Severities.TryGetValue(code, out var severity) ? severity : ConfigSeverity.Error;
}

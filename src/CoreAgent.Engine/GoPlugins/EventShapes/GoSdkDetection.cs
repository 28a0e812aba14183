using System.Text;
using System.Text.RegularExpressions;

namespace CoreAgent.Engine.GoPlugins.EventShapes;

/// <summary>What the loader found out about the Go plugin SDK a plugin was built with.</summary>
/// <param name="Revision">The SDK's module version from the Go build info, or "unknown".</param>
/// <param name="Evidence">How the shape was decided, for Get-AgentPlugin and the log.</param>
public sealed record GoSdkDetection(string Revision, EventShape Shape, string Evidence)
{
    /// <summary>fluent-bit-go's module path.</summary>
    public const string FluentBitGo = "github.com/fluent/fluent-bit-go";

    /// <summary>Calyptia's plugin SDK, which carries its own decoder rather than fluent-bit-go's.</summary>
    public const string CalyptiaPlugin = "github.com/calyptia/plugin";

    /// <summary>The SDK's module path (<see cref="FluentBitGo"/> or <see cref="CalyptiaPlugin"/>), or "unknown".</summary>
    public string Sdk { get; init; } = "unknown";

    /// <summary>The first fluent-bit-go revision that understands the v2 event shape (a7a013e).</summary>
    public static readonly DateOnly V2AwareSince = new(2023, 7, 31);

    // Pseudo-versions: vX.Y.Z-yyyymmddhhmmss-abcdefabcdef or vX.Y.Z-pre.0.yyyymmddhhmmss-abcdefabcdef.
    private static readonly Regex PseudoVersion = new(@"(?:^|[-.])(\d{4})(\d{2})(\d{2})\d{6}-[0-9a-f]{12}$", RegexOptions.CultureInvariant);

    // Only the v2-aware output package has this function (the legacy decoder had GetRecord alone).
    // Function names sit in the Go pclntab whether or not the binary is stripped.
    internal static readonly byte[] V2Symbol = Encoding.ASCII.GetBytes(FluentBitGo + "/output.GetRecordWithMetadata");
    internal static readonly byte[] SdkSymbol = Encoding.ASCII.GetBytes(FluentBitGo + "/output.GetRecord");

    // The Calyptia SDK's package exports the FLBPlugin* entry points itself.
    internal static readonly byte[] CalyptiaSymbol = Encoding.ASCII.GetBytes(CalyptiaPlugin + ".FLBPluginFlush");

    /// <summary>Reads the Go build info (module mode) or, without it, the SDK's function names (GOPATH, vendored or forked builds).</summary>
    public static GoSdkDetection Detect(ReadOnlySpan<byte> file)
    {
        // Calyptia's SDK decodes records itself, so it decides even when fluent-bit-go is a dependency too.
        string? calyptia = ModuleVersion(file, CalyptiaPlugin);
        if (calyptia is not null || file.IndexOf(CalyptiaSymbol) >= 0)
            return DetectCalyptia(file, calyptia) with { Sdk = CalyptiaPlugin };

        string? version = ModuleVersion(file, FluentBitGo);
        var detection = DetectFluentBitGo(file, version);
        return detection.Revision == "unknown" && detection.Evidence.StartsWith("no ", StringComparison.Ordinal)
            ? detection
            : detection with { Sdk = FluentBitGo };
    }

    private static GoSdkDetection DetectFluentBitGo(ReadOnlySpan<byte> file, string? version)
    {
        if (version is not null && PseudoVersionDate(version) is { } date)
        {
            return date < V2AwareSince
                ? new(version, EventShape.Legacy, $"build info: fluent-bit-go {version} is older than a7a013e (2023-07-31)")
                : new(version, EventShape.V2, $"build info: fluent-bit-go {version}");
        }
        // A tagged or unparsable version: fall through to the symbols, keeping the version for display.
        if (file.IndexOf(V2Symbol) >= 0)
            return new(version ?? "unknown", EventShape.V2, "symbols: the SDK has GetRecordWithMetadata (v2-aware)");
        if (file.IndexOf(SdkSymbol) >= 0)
            return new(version ?? "unknown", EventShape.Legacy, "symbols: the SDK has GetRecord but not GetRecordWithMetadata (pre-2023 decoder)");
        return new(version ?? "unknown", EventShape.V2, "no fluent-bit-go build info or decoder symbols: v2 assumed");
    }

    // The SDK's 2022 revisions (tags v0.x and pseudo-versions before fluent-bit-go's v2 change) decode
    // only [EventTime, {body}] and fail every flush on the v2 shape. Newer revisions are taken as
    // v2-aware only on evidence: a date after the change, a v1+ tag, or fluent-bit-go's v2 decoder inside.
    private static GoSdkDetection DetectCalyptia(ReadOnlySpan<byte> file, string? version)
    {
        string shown = version is null or "(devel)" ? "unknown" : version;
        if (PseudoVersionDate(shown) is { } date)
        {
            return date < V2AwareSince
                ? new(shown, EventShape.Legacy, $"build info: calyptia/plugin {shown} predates the v2 event shape (2023-07-31); its decoder reads [EventTime, {{body}}] only")
                : new(shown, EventShape.V2, $"build info: calyptia/plugin {shown} is newer than the v2 event shape (2023-07-31)");
        }
        if (shown.StartsWith("v0.", StringComparison.Ordinal))
            return new(shown, EventShape.Legacy, $"build info: calyptia/plugin {shown} (a v0 release, 2022) decodes [EventTime, {{body}}] only");
        if (shown != "unknown")
            return new(shown, EventShape.V2, $"build info: calyptia/plugin {shown} (a release after v0): v2 assumed; set event_shape legacy if its flushes fail");
        if (file.IndexOf(V2Symbol) >= 0)
            return new(shown, EventShape.V2, "symbols: calyptia/plugin of unknown revision with fluent-bit-go's v2 decoder (GetRecordWithMetadata)");
        return new(shown, EventShape.Legacy, "symbols: calyptia/plugin of unknown revision without a v2 decoder; its published 2022 revisions read [EventTime, {body}] only (event_shape v2 overrides)");
    }

    private static DateOnly? PseudoVersionDate(string version)
    {
        var match = PseudoVersion.Match(version);
        return match.Success && DateOnly.TryParseExact(match.Groups[1].Value + match.Groups[2].Value + match.Groups[3].Value, "yyyyMMdd", out var date)
            ? date
            : null;
    }

    /// <summary>fluent-bit-go's version in the embedded module info, or null.</summary>
    internal static string? ModuleVersion(ReadOnlySpan<byte> file) => ModuleVersion(file, FluentBitGo);

    /// <summary>
    /// A module's version in the embedded module info: its requirement ("dep\tpath\tversion") or,
    /// when the plugin is built inside that module's own tree, the main module ("mod\tpath\tversion").
    /// </summary>
    internal static string? ModuleVersion(ReadOnlySpan<byte> file, string modulePath)
    {
        return VersionAfter(file, Encoding.ASCII.GetBytes("dep\t" + modulePath + "\t"))
            ?? VersionAfter(file, Encoding.ASCII.GetBytes("mod\t" + modulePath + "\t"));
    }

    private static string? VersionAfter(ReadOnlySpan<byte> file, ReadOnlySpan<byte> line)
    {
        int at = file.IndexOf(line);
        if (at < 0) return null;
        var rest = file[(at + line.Length)..];
        int end = rest.IndexOfAny((byte)'\t', (byte)'\n');
        if (end <= 0 || end > 128) return null;
        return Encoding.ASCII.GetString(rest[..end]);
    }
}

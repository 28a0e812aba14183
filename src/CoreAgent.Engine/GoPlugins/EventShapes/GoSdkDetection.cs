using System.Text;
using System.Text.RegularExpressions;

namespace CoreAgent.Engine.GoPlugins.EventShapes;

/// <summary>What the loader found out about the fluent-bit-go revision a plugin was built with.</summary>
/// <param name="Revision">The module version from the Go build info, or "unknown".</param>
/// <param name="Evidence">How the shape was decided, for Get-AgentPlugin and the log.</param>
public sealed record GoSdkDetection(string Revision, EventShape Shape, string Evidence)
{
    private const string ModulePath = "github.com/fluent/fluent-bit-go";

    /// <summary>The first fluent-bit-go revision that understands the v2 event shape (a7a013e).</summary>
    public static readonly DateOnly V2AwareSince = new(2023, 7, 31);

    // Pseudo-versions: vX.Y.Z-yyyymmddhhmmss-abcdefabcdef or vX.Y.Z-pre.0.yyyymmddhhmmss-abcdefabcdef.
    private static readonly Regex PseudoVersion = new(@"(?:^|[-.])(\d{4})(\d{2})(\d{2})\d{6}-[0-9a-f]{12}$", RegexOptions.CultureInvariant);

    // Only the v2-aware output package has this function (the legacy decoder had GetRecord alone).
    // Function names sit in the Go pclntab whether or not the binary is stripped.
    internal static readonly byte[] V2Symbol = Encoding.ASCII.GetBytes(ModulePath + "/output.GetRecordWithMetadata");
    internal static readonly byte[] SdkSymbol = Encoding.ASCII.GetBytes(ModulePath + "/output.GetRecord");
    private static readonly byte[] DependencyLine = Encoding.ASCII.GetBytes("dep\t" + ModulePath + "\t");

    /// <summary>Reads the Go build info (module mode) or, without it, the SDK's function names (GOPATH, vendored or forked builds).</summary>
    public static GoSdkDetection Detect(ReadOnlySpan<byte> file)
    {
        string? version = ModuleVersion(file);
        if (version is not null)
        {
            var match = PseudoVersion.Match(version);
            if (match.Success && DateOnly.TryParseExact(match.Groups[1].Value + match.Groups[2].Value + match.Groups[3].Value, "yyyyMMdd", out var date))
            {
                return date < V2AwareSince
                    ? new(version, EventShape.Legacy, $"build info: fluent-bit-go {version} is older than a7a013e (2023-07-31)")
                    : new(version, EventShape.V2, $"build info: fluent-bit-go {version}");
            }
            // A tagged or unparsable version: fall through to the symbols, keeping the version for display.
        }
        if (file.IndexOf(V2Symbol) >= 0)
            return new(version ?? "unknown", EventShape.V2, "symbols: the SDK has GetRecordWithMetadata (v2-aware)");
        if (file.IndexOf(SdkSymbol) >= 0)
            return new(version ?? "unknown", EventShape.Legacy, "symbols: the SDK has GetRecord but not GetRecordWithMetadata (pre-2023 decoder)");
        return new(version ?? "unknown", EventShape.V2, "no fluent-bit-go build info or decoder symbols: v2 assumed");
    }

    /// <summary>The fluent-bit-go requirement in the embedded module info ("dep\tpath\tversion"), or null.</summary>
    internal static string? ModuleVersion(ReadOnlySpan<byte> file)
    {
        int at = file.IndexOf(DependencyLine);
        if (at < 0) return null;
        var rest = file[(at + DependencyLine.Length)..];
        int end = rest.IndexOfAny((byte)'\t', (byte)'\n');
        if (end <= 0 || end > 128) return null;
        return Encoding.ASCII.GetString(rest[..end]);
    }
}

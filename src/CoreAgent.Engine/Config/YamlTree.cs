using System.Text.RegularExpressions;
using YamlDotNet.Core;
using YamlDotNet.Core.Events;

namespace CoreAgent.Engine.Config;

/// <summary>A YAML node with the 1-based line it starts on.</summary>
internal abstract class YNode(int line)
{
    public int Line { get; } = line;
}

internal sealed class YScalar(int line, string value, bool plainEmpty) : YNode(line)
{
    public string Value { get; } = value;

    /// <summary>True for a key with nothing after it (not even ""), which YAML reads as null.</summary>
    public bool IsPlainEmpty { get; } = plainEmpty;
}

internal sealed class YSequence(int line) : YNode(line)
{
    public List<YNode> Items { get; } = [];
}

internal sealed class YMapping(int line) : YNode(line)
{
    public List<KeyValuePair<YNode, YNode>> Pairs { get; } = [];
}

/// <summary>
/// Builds a small tree of the first YAML document from YamlDotNet's parser events, keeping the line
/// of every node and, when the text has a syntax error, everything read before it. Duplicate keys are
/// kept (the readers report them). Aliases share the anchored node.
/// </summary>
internal static partial class YamlTree
{
    public sealed record Result(YNode? Root, string? Error, int ErrorLine, int Documents, int SecondDocumentLine);

    private sealed class Frame(YNode node)
    {
        public YNode Node { get; } = node;
        public YNode? PendingKey { get; set; }
    }

    /// <summary>
    /// Flow collections ([ and {) nested deeper than this are refused before parsing: YamlDotNet's
    /// time grows with the square of the nesting, and no configuration needs more than a few levels.
    /// </summary>
    public const int MaxFlowDepth = 100;

    public static Result Parse(string text)
    {
        if (FlowDepthBeyond(text, MaxFlowDepth) is { } deepLine)
            return new Result(null, $"'[' and '{{' nest more than {MaxFlowDepth} levels deep; the file is not read", deepLine, 0, 0);

        YNode? root = null;
        string? error = null;
        var errorLine = 0;
        var documents = 0;
        var secondDocumentLine = 0;
        var stack = new Stack<Frame>();
        var anchors = new Dictionary<string, YNode>(StringComparer.Ordinal);

        void Attach(YNode node)
        {
            if (documents != 1) return;
            if (stack.Count == 0)
            {
                root ??= node;
                return;
            }
            var frame = stack.Peek();
            switch (frame.Node)
            {
                case YSequence sequence:
                    sequence.Items.Add(node);
                    break;
                case YMapping mapping when frame.PendingKey is null:
                    frame.PendingKey = node;
                    break;
                case YMapping mapping:
                    mapping.Pairs.Add(new KeyValuePair<YNode, YNode>(frame.PendingKey!, node));
                    frame.PendingKey = null;
                    break;
            }
        }

        void Remember(AnchorName anchor, YNode node)
        {
            if (!anchor.IsEmpty) anchors[anchor.Value] = node;
        }

        try
        {
            var parser = new Parser(new StringReader(text));
            while (parser.MoveNext())
            {
                var current = parser.Current;
                var line = LineOf(current?.Start ?? Mark.Empty);
                switch (current)
                {
                    case DocumentStart:
                        documents++;
                        if (documents == 2) secondDocumentLine = line;
                        anchors.Clear();
                        break;
                    case Scalar scalar:
                    {
                        var node = new YScalar(line, scalar.Value,
                            scalar.Value.Length == 0 && scalar.Style == ScalarStyle.Plain);
                        Remember(scalar.Anchor, node);
                        Attach(node);
                        break;
                    }
                    case SequenceStart sequenceStart:
                    {
                        var node = new YSequence(line);
                        Remember(sequenceStart.Anchor, node);
                        Attach(node);
                        stack.Push(new Frame(node));
                        break;
                    }
                    case MappingStart mappingStart:
                    {
                        var node = new YMapping(line);
                        Remember(mappingStart.Anchor, node);
                        Attach(node);
                        stack.Push(new Frame(node));
                        break;
                    }
                    case SequenceEnd:
                    case MappingEnd:
                        if (stack.Count > 0) stack.Pop();
                        break;
                    case AnchorAlias alias:
                        if (anchors.TryGetValue(alias.Value.Value, out var target))
                        {
                            Attach(target);
                        }
                        else
                        {
                            error ??= $"alias '*{alias.Value.Value}' refers to no anchor";
                            if (errorLine == 0) errorLine = line;
                            Attach(new YScalar(line, "", true));
                        }
                        break;
                }
            }
        }
        catch (YamlException ex)
        {
            error = Clean(ex.Message);
            errorLine = LineOf(ex.Start);
        }
        catch (Exception ex)
        {
            error = ex.Message;
        }
        return new Result(root, error, errorLine, documents, secondDocumentLine);
    }

    /// <summary>
    /// The line where flow collections first nest deeper than <paramref name="limit"/>, or null. A quick
    /// scan that skips quoted text and comments well enough for this purpose.
    /// </summary>
    private static int? FlowDepthBeyond(string text, int limit)
    {
        var depth = 0;
        var line = 1;
        var quote = '\0';
        for (var i = 0; i < text.Length; i++)
        {
            var c = text[i];
            if (c == '\n') line++;
            if (quote != '\0')
            {
                if (c == quote) quote = '\0';
                else if (c == '\\' && quote == '"') i++;
                continue;
            }
            var afterSpace = i == 0 || text[i - 1] is ' ' or '\t' or '\n' or '\r' or '[' or '{' or ',' or ':';
            switch (c)
            {
                case '\'' or '"' when afterSpace:
                    quote = c;
                    break;
                case '#' when afterSpace:
                    while (i + 1 < text.Length && text[i + 1] != '\n') i++;
                    break;
                case '[' or '{':
                    if (++depth > limit) return line;
                    break;
                case ']' or '}':
                    if (depth > 0) depth--;
                    break;
            }
        }
        return null;
    }

    private static int LineOf(Mark mark) => (int)Math.Clamp(mark.Line, 0, int.MaxValue);

    /// <summary>YamlDotNet prefixes messages with "(Line: 1, Col: 2, Idx: 3) - (Line: ...): "; the finding has the line already.</summary>
    private static string Clean(string message) => PositionPrefix().Replace(message, "");

    [GeneratedRegex(@"^\(Line: \d+, Col: \d+, Idx: \d+\) - \(Line: \d+, Col: \d+, Idx: \d+\): ")]
    private static partial Regex PositionPrefix();
}

namespace CoreAgent.Engine.Config;

internal enum ClassicTokenKind
{
    /// <summary>@INCLUDE: Name is the path as written.</summary>
    Include,

    /// <summary>Another '@' line: Name is the command (SET), Value its argument.</summary>
    Directive,

    /// <summary>[NAME] at column 0: Name is the text between the brackets.</summary>
    Header,

    /// <summary>An indented [group] line inside a section.</summary>
    Group,

    /// <summary>key value: Name is the lower-cased key, Value the trimmed value.</summary>
    Property,

    /// <summary>A doubly indented key value under a [group]; ignored with the group.</summary>
    GroupProperty,
}

internal readonly record struct ClassicToken(ClassicTokenKind Kind, int Line, string Name, string Value = "");

/// <summary>
/// Splits one classic-format file into tokens, applying Fluent Bit's line rules (flb_cf_fluentbit.c):
/// empty lines and lines starting with '#' are skipped; "@INCLUDE " (any case) includes; other '@'
/// lines are directives; '[' at column 0 opens a section. Every other line is a property line, and
/// the first of those fixes the file's indent string (even when it holds only whitespace). Each
/// property line must start with exactly that indent (a doubly indented line is a group property);
/// after the indent a '#' makes a comment. Key and value split at the first space (never a tab).
/// Problems become findings and the lexer carries on with its best guess, so that one run reports
/// every problem in the file.
/// </summary>
internal sealed class ClassicLexer
{
    private readonly ConfigText _text;
    private readonly FindingCollector _findings;
    private readonly List<ClassicToken> _tokens = [];
    private string? _indent;
    private int _indentLine;
    private bool _groupOpen;
    private string? _section;

    private ClassicLexer(ConfigText text, FindingCollector findings)
    {
        _text = text;
        _findings = findings;
    }

    public static List<ClassicToken> Lex(ConfigText text, FindingCollector findings)
    {
        var lexer = new ClassicLexer(text, findings);
        for (var i = 0; i < text.Lines.Length; i++) lexer.LexLine(text.Lines[i], i + 1);
        return lexer._tokens;
    }

    private static bool IsBlank(char c) => c is ' ' or '\t';

    private void Report(string code, string message, int line, string? key = null) =>
        _findings.Add(code, message, _text.FullPath, line, _section, key);

    private void LexLine(string line, int number)
    {
        if (line.Length == 0 || line[0] == '#') return;

        if (line[0] == '@')
        {
            LexDirective(line, number);
            return;
        }

        if (line[0] == '[')
        {
            _groupOpen = false;
            LexHeader(line, number);
            return;
        }

        if (_indent is null)
        {
            var width = 0;
            while (width < line.Length && IsBlank(line[width])) width++;
            if (width == 0)
            {
                Report(FindingCodes.MissingIndent,
                    $"'{FindingCollector.Show(line)}' starts at column 0: properties must be indented under their section header",
                    number);
                LexContent(line, 0, number, groupContent: false);
                return;
            }
            _indent = line[..width];
            _indentLine = number;
            if (width == line.Length) return; // a whitespace-only line fixes the indent, as in Fluent Bit
        }

        var indent = _indent;
        var matched = 0;
        while (matched < indent.Length && matched < line.Length && line[matched] == indent[matched]) matched++;

        if (matched < indent.Length)
        {
            ReportShortIndent(line, number, matched);
            LexRecovered(line, number);
            return;
        }

        var keyStart = indent.Length;
        var groupContent = false;
        if (keyStart < line.Length && IsBlank(line[keyStart]))
        {
            var extra = 0;
            while (keyStart + extra < line.Length && IsBlank(line[keyStart + extra])) extra++;
            if (extra != indent.Length)
            {
                if (keyStart + extra == line.Length)
                    Report(FindingCodes.BlankLineIndent,
                        $"this line holds only whitespace ({Describe(line)}) and is longer than the indent ({Describe(indent)}, fixed by line {_indentLine}); Fluent Bit rejects it: make it empty",
                        number);
                else
                    Report(FindingCodes.IndentMismatch,
                        $"extra indentation: the line is indented by {Describe(line[..(keyStart + extra)])} but the indent of this file is {Describe(indent)} (fixed by line {_indentLine})",
                        number);
                LexRecovered(line, number);
                return;
            }
            keyStart += extra;
            groupContent = true;
        }
        else
        {
            _groupOpen = false;
        }

        LexContent(line, keyStart, number, groupContent);
    }

    private void ReportShortIndent(string line, int number, int matched)
    {
        var indent = _indent!;
        var fixedBy = $"fixed by line {_indentLine}";
        var firstText = 0;
        while (firstText < line.Length && IsBlank(line[firstText])) firstText++;
        var whitespaceOnly = firstText == line.Length;

        if (matched < line.Length && IsBlank(line[matched]))
            Report(FindingCodes.MixedIndent,
                $"inconsistent use of tab and space: the line is indented by {Describe(line[..firstText])} but the indent of this file is {Describe(indent)} ({fixedBy})",
                number);
        else if (whitespaceOnly)
            Report(FindingCodes.BlankLineIndent,
                $"this line holds only whitespace ({Describe(line)}) and is shorter than the indent ({Describe(indent)}, {fixedBy}); Fluent Bit rejects it: make it empty",
                number);
        else if (matched == 0)
            Report(FindingCodes.MissingIndent,
                $"'{FindingCollector.Show(line)}' starts at column 0: properties must be indented by {Describe(indent)} ({fixedBy})",
                number);
        else
            Report(FindingCodes.IndentMismatch,
                $"indentation level is too low: the line is indented by {Describe(line[..firstText])} but the indent of this file is {Describe(indent)} ({fixedBy})",
                number);
    }

    /// <summary>After an indentation error, still reads the line's key and value so that later checks see them.</summary>
    private void LexRecovered(string line, int number)
    {
        var start = 0;
        while (start < line.Length && IsBlank(line[start])) start++;
        if (start == line.Length) return;
        LexContent(line, start, number, groupContent: false);
    }

    private void LexContent(string line, int start, int number, bool groupContent)
    {
        if (start >= line.Length || line[start] == '#') return;

        if (line[start] == '[')
        {
            LexIndentedBracket(line, start, number);
            return;
        }

        var kind = groupContent && _groupOpen ? ClassicTokenKind.GroupProperty : ClassicTokenKind.Property;
        var rest = line[start..];
        var space = rest.IndexOf(' ');
        var keyPart = space < 0 ? rest : rest[..space];
        var tab = keyPart.IndexOf('\t');
        if (tab >= 0)
        {
            var key = keyPart[..tab].Trim();
            var value = rest[(tab + 1)..].Trim();
            Report(FindingCodes.TabSeparator,
                $"a tab separates '{FindingCollector.Show(key)}' from its value: Fluent Bit splits key and value only at a space",
                number, key.ToLowerInvariant());
            if (key.Length > 0 && value.Length > 0) _tokens.Add(new ClassicToken(kind, number, key.ToLowerInvariant(), value));
            return;
        }

        var name = keyPart.Trim().ToLowerInvariant();
        var text = space < 0 ? "" : rest[(space + 1)..].Trim();
        if (text.Length == 0)
        {
            Report(FindingCodes.UndefinedValue,
                $"undefined value: key '{FindingCollector.Show(keyPart.Trim())}' has no value", number, name);
            return;
        }
        _tokens.Add(new ClassicToken(kind, number, name, text));
    }

    private void LexIndentedBracket(string line, int start, int number)
    {
        var close = line.IndexOf(']', start);
        var name = close < 0 ? line[(start + 1)..].Trim() : line[(start + 1)..close];
        var kind = SectionNames.ClassifyClassic(name.Trim());
        if (name.Trim().Length > 0 && kind is SectionKind.Service or SectionKind.Input or SectionKind.Filter
                or SectionKind.Output or SectionKind.Plugins or SectionKind.Parser or SectionKind.MultilineParser)
        {
            Report(FindingCodes.IndentedHeader,
                $"section header '[{FindingCollector.Show(name.Trim())}]' is indented: a section header must start at column 0",
                number);
            _groupOpen = false;
            LexHeader(line[start..], number);
            return;
        }
        if (close < 0)
        {
            Report(FindingCodes.BadHeader,
                $"expected a valid group name: '{FindingCollector.Show(line.Trim())}' has no closing ']'", number);
            return;
        }
        _tokens.Add(new ClassicToken(ClassicTokenKind.Group, number, name));
        _groupOpen = true;
    }

    private void LexHeader(string header, int number)
    {
        var close = header.IndexOf(']');
        var name = close < 0 ? header[1..].Trim() : header[1..close];
        _section = name.Trim().Length == 0 ? null : $"[{FindingCollector.Show(name)}]";
        if (close < 0)
        {
            Report(FindingCodes.BadHeader,
                $"bad header definition: '{FindingCollector.Show(header.TrimEnd())}' has no closing ']'", number);
        }
        else if (name.Trim().Length == 0)
        {
            Report(FindingCodes.BadHeader, "bad header definition: the section has no name between '[' and ']'", number);
            name = "";
        }
        else if (header[(close + 1)..].Trim() is { Length: > 0 } after)
        {
            Report(FindingCodes.TextAfterHeader,
                $"'{FindingCollector.Show(after)}' after '[{FindingCollector.Show(name)}]' is ignored (there are no inline comments)",
                number);
        }
        _tokens.Add(new ClassicToken(ClassicTokenKind.Header, number, name));
    }

    private void LexDirective(string line, int number)
    {
        const string include = "@INCLUDE ";
        if (line.StartsWith(include, StringComparison.OrdinalIgnoreCase))
        {
            var path = line[include.Length..].Trim();
            if (path.Length == 0)
                Report(FindingCodes.BadDirective, "@INCLUDE needs the path of the file to include", number);
            else
                _tokens.Add(new ClassicToken(ClassicTokenKind.Include, number, path));
            return;
        }
        var space = line.IndexOf(' ');
        if (space < 0)
        {
            var command = line.TrimEnd();
            Report(FindingCodes.BadDirective,
                command.Equals("@INCLUDE", StringComparison.OrdinalIgnoreCase)
                    ? "@INCLUDE needs the path of the file to include"
                    : command.StartsWith("@INCLUDE\t", StringComparison.OrdinalIgnoreCase)
                        ? "@INCLUDE must be followed by a space, not a tab"
                        : $"'{FindingCollector.Show(command)}' is not a directive: use '@INCLUDE path' or '@SET name=value'",
                number);
            return;
        }
        _tokens.Add(new ClassicToken(ClassicTokenKind.Directive, number, line[1..space].Trim(), line[(space + 1)..].Trim()));
    }

    private static string Describe(string whitespace)
    {
        var spaces = whitespace.Count(c => c == ' ');
        var tabs = whitespace.Count(c => c == '\t');
        if (tabs == 0) return spaces == 1 ? "1 space" : $"{spaces} spaces";
        if (spaces == 0) return tabs == 1 ? "1 tab" : $"{tabs} tabs";
        return $"{spaces} space(s) and {tabs} tab(s)";
    }
}

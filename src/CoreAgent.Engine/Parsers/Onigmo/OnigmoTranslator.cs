using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;

namespace CoreAgent.Engine.Parsers.Onigmo;

/// <summary>The .NET form of an Onigmo (Ruby syntax) pattern, and what could not be carried over.</summary>
public sealed record TranslatedPattern(string Pattern, RegexOptions Options, IReadOnlyList<string> GroupNames,
    IReadOnlyList<string> Errors, IReadOnlyList<string> Notes);

/// <summary>
/// Rewrites a pattern in Onigmo's Ruby syntax (what Fluent Bit compiles) into .NET's dialect where
/// the two read the same text differently:
/// <list type="bullet">
/// <item>\d \w \s (and \D \W \S) are ASCII-only in Ruby syntax; .NET's are Unicode.</item>
/// <item>\h \H (hex digit), \R (line break), \x{...}, \xH, {,n}, possessive *+ ++ ?+, a{2}+ (a
/// repeat of a repeat), unknown letter escapes (\y is "y"), POSIX brackets [[:alpha:]],
/// intersections [a-z&amp;&amp;[^aeiou]], \p{^Alpha}, (?m) which is dotall, (?(&lt;name&gt;)...).</item>
/// <item>\K only moves the start of the whole match, which parsers never use: it is dropped.</item>
/// <item>Unnamed groups do not capture when named groups exist (ExplicitCapture).</item>
/// </list>
/// What has no .NET equivalent (\X, \g&lt;name&gt; calls, the absence operator (?~...), \M- \C-
/// escapes, mixed negated POSIX classes) is reported in <see cref="TranslatedPattern.Errors"/>.
/// </summary>
public static class OnigmoTranslator
{
    private const string Space = @"\t\n\v\f\r ";

    /// <summary>Splits Fluent Bit's /pattern/options form (flb_regex.c check_option) and translates.</summary>
    public static TranslatedPattern Translate(string text)
    {
        var (pattern, options) = SplitOptions(text);
        var t = new Translation(pattern);
        t.Run();
        options |= RegexOptions.CultureInvariant | RegexOptions.Multiline; // ^ and $ are line anchors in Ruby
        if (t.Names.Count > 0) options |= RegexOptions.ExplicitCapture;
        return new TranslatedPattern(t.Output.ToString(), options, t.Names, t.Errors, t.Notes);
    }

    private static (string Pattern, RegexOptions Options) SplitOptions(string text)
    {
        int last = text.LastIndexOf('/');
        if (text.Length > 0 && text[0] == '/' && last > 0)
        {
            var options = RegexOptions.None;
            bool known = true, any = false;
            foreach (char c in text.AsSpan(last + 1))
            {
                switch (c)
                {
                    case 'm': options |= RegexOptions.Singleline; any = true; break;
                    case 'i': options |= RegexOptions.IgnoreCase; any = true; break;
                    case 'x': options |= RegexOptions.IgnorePatternWhitespace; any = true; break;
                    case 'o': break;
                    default: known = false; break;
                }
                if (!known) break;
            }
            if (known && any) return (text[1..last], options);
        }
        // No options: a pattern written /like this/ loses its slashes; anything else is taken whole.
        if (text.Length > 1 && text[0] == '/' && text[^1] == '/') return (text[1..^1], RegexOptions.None);
        return (text, RegexOptions.None);
    }

    private sealed class Translation(string p)
    {
        public readonly StringBuilder Output = new();
        public readonly List<string> Names = [];
        public readonly List<string> Errors = [];
        public readonly List<string> Notes = [];
        private int _i;
        private int _atom = -1; // where the last quantifiable item starts in Output
        private bool _quantified; // the last item already carries a quantifier
        private readonly Stack<int> _groups = new();

        private void Error(string what) => Errors.Add($"{what} at offset {_i} has no .NET equivalent");

        public void Run()
        {
            while (_i < p.Length)
            {
                char c = p[_i];
                switch (c)
                {
                    case '\\':
                        Item(() => Escape(inClass: false));
                        break;
                    case '[':
                        Item(() => Output.Append(CharClass()));
                        break;
                    case '(':
                        OpenGroup();
                        break;
                    case ')':
                        _i++;
                        int start = _groups.Count > 0 ? _groups.Pop() : Output.Length;
                        Output.Append(')');
                        _atom = start;
                        _quantified = false;
                        break;
                    case '*':
                    case '+':
                    case '?':
                        Quantifier(c.ToString(), 1);
                        break;
                    case '{':
                        if (TryInterval(out string interval, out int length)) Quantifier(interval, length);
                        else Item(() => { Output.Append(@"\{"); _i++; });
                        break;
                    case '|':
                    case '^':
                    case '$':
                        Output.Append(c);
                        _i++;
                        _atom = -1;
                        break;
                    default:
                        Item(() => { Output.Append(c); _i++; });
                        break;
                }
            }
        }

        private void Item(Action emit)
        {
            int start = Output.Length;
            emit();
            _atom = Output.Length > start ? start : _atom;
            _quantified = false;
        }

        private void Quantifier(string text, int length)
        {
            _i += length;
            bool lazy = false, possessive = false;
            if (_i < p.Length && p[_i] == '?') { lazy = true; _i++; }
            else if (_i < p.Length && p[_i] == '+' && text != "{" && !text.StartsWith('{')) { possessive = true; _i++; }
            if (_atom < 0)
            {
                Output.Append('\\').Append(text[0]).Append(text.AsSpan(1)); // nothing to repeat: Onigmo errors too
                Errors.Add($"quantifier '{text}' at offset {_i - length} follows nothing");
                return;
            }
            if (_quantified)
            {
                // A repeat of a repeat (a{2}+, a**): Onigmo repeats the whole; .NET rejects it.
                Output.Insert(_atom, "(?:");
                Output.Append(')');
            }
            if (possessive) Output.Insert(_atom, "(?>");
            Output.Append(text);
            if (lazy) Output.Append('?');
            if (possessive) Output.Append(')');
            _quantified = true;
        }

        private bool TryInterval(out string interval, out int length)
        {
            interval = "";
            length = 0;
            int close = p.IndexOf('}', _i);
            if (close < 0) return false;
            var body = p.AsSpan(_i + 1, close - _i - 1);
            int comma = body.IndexOf(',');
            bool Digits(ReadOnlySpan<char> s) => s.Length > 0 && s.IndexOfAnyExceptInRange('0', '9') < 0;
            if (comma < 0 ? !Digits(body) : !(Digits(body[..comma]) || comma == 0) || !(Digits(body[(comma + 1)..]) || comma == body.Length - 1) || body.Length == 1)
                return false;
            length = close - _i + 1;
            interval = comma == 0 ? "{0" + body.ToString() + "}" : "{" + body.ToString() + "}";
            return true;
        }

        private void OpenGroup()
        {
            int start = Output.Length;
            _groups.Push(start);
            _atom = -1;
            if (_i + 1 >= p.Length || p[_i + 1] != '?')
            {
                Output.Append('(');
                _i++;
                return;
            }
            char kind = _i + 2 < p.Length ? p[_i + 2] : '\0';
            switch (kind)
            {
                case '#':
                    int end = p.IndexOf(')', _i);
                    _groups.Pop();
                    _i = end < 0 ? p.Length : end + 1;
                    return;
                case ':' or '=' or '!' or '>':
                    Output.Append("(?").Append(kind);
                    _i += 3;
                    return;
                case '~':
                    Error("the absence operator (?~...)");
                    Output.Append("(?:");
                    _i += 3;
                    return;
                case '<' when _i + 3 < p.Length && p[_i + 3] is '=' or '!':
                    Output.Append("(?<").Append(p[_i + 3]);
                    _i += 4;
                    return;
                case '<' or '\'':
                    char closer = kind == '<' ? '>' : '\'';
                    int nameEnd = p.IndexOf(closer, _i + 3);
                    if (nameEnd < 0) { Errors.Add($"unterminated group name at offset {_i}"); Output.Append('('); _i++; return; }
                    string name = p[(_i + 3)..nameEnd];
                    if (!Names.Contains(name)) Names.Add(name);
                    else Notes.Add($"group name '{name}' is used more than once: .NET keeps one group (the last capture), Onigmo emits one key per group");
                    Output.Append("(?<").Append(name).Append('>');
                    _i = nameEnd + 1;
                    return;
                case '(':
                    // Conditionals: (?(<name>)...) and (?('name')...) are (?(name)...) in .NET.
                    int condEnd = p.IndexOf(')', _i + 3);
                    if (condEnd < 0) { Errors.Add($"unterminated condition at offset {_i}"); Output.Append('('); _i++; return; }
                    string cond = p[(_i + 3)..condEnd];
                    if (cond.Length > 2 && (cond[0] == '<' && cond[^1] == '>' || cond[0] == '\'' && cond[^1] == '\'')) cond = cond[1..^1];
                    Output.Append("(?(").Append(cond).Append(')');
                    _i = condEnd + 1;
                    return;
                default:
                    // Option groups: (?imx-imx) and (?imx-imx:...); Ruby's m is .NET's s; a, d, u change
                    // the ASCII range of \w \d \s, which the translation already fixed to ASCII.
                    int j = _i + 2;
                    var options = new StringBuilder();
                    while (j < p.Length && p[j] is 'i' or 'm' or 'x' or '-' or 'a' or 'd' or 'u')
                    {
                        switch (p[j])
                        {
                            case 'm': options.Append('s'); break;
                            case 'a' or 'd': break;
                            case 'u': Notes.Add($"(?u) at offset {_i}: \\w \\d \\s stay ASCII-only in the translation"); break;
                            default: options.Append(p[j]); break;
                        }
                        j++;
                    }
                    if (j < p.Length && p[j] is ':' or ')')
                    {
                        string opts = options.ToString().TrimEnd('-');
                        if (p[j] == ')')
                        {
                            _groups.Pop();
                            if (opts.Length > 0) Output.Append("(?").Append(opts).Append(')');
                        }
                        else
                        {
                            Output.Append("(?").Append(opts).Append(':');
                        }
                        _i = j + 1;
                        return;
                    }
                    Errors.Add($"unknown group syntax '(?{kind}' at offset {_i}");
                    Output.Append('(');
                    _i++;
                    return;
            }
        }

        /// <summary>Translates the escape at _i (a backslash). Inside a class it appends class content.</summary>
        private void Escape(bool inClass, List<string>? negatives = null)
        {
            if (_i + 1 >= p.Length)
            {
                Output.Append(@"\\");
                _i++;
                Errors.Add("the pattern ends with a lone backslash");
                return;
            }
            char c = p[_i + 1];
            _i += 2;
            switch (c)
            {
                case 'd': Output.Append(inClass ? "0-9" : "[0-9]"); return;
                case 'w': Output.Append(inClass ? "a-zA-Z0-9_" : "[a-zA-Z0-9_]"); return;
                case 's': Output.Append(inClass ? Space : "[" + Space + "]"); return;
                case 'h': Output.Append(inClass ? "0-9a-fA-F" : "[0-9a-fA-F]"); return;
                case 'D' or 'W' or 'S' or 'H':
                    string positive = c switch { 'D' => "0-9", 'W' => "a-zA-Z0-9_", 'S' => Space, _ => "0-9a-fA-F" };
                    if (!inClass) Output.Append("[^").Append(positive).Append(']');
                    else negatives!.Add(positive);
                    return;
                case 'R':
                    if (inClass) { Output.Append('R'); return; }
                    Output.Append(@"(?>\r\n|[\n\v\f\r\u0085\u2028\u2029])");
                    return;
                case 'K':
                    Notes.Add($"\\K at offset {_i - 2} is dropped: it moves the start of the whole match, which parsers do not use");
                    return;
                case 'X':
                    _i -= 2;
                    Error(@"\X (extended grapheme cluster)");
                    _i += 2;
                    Output.Append(@"(?s:.)");
                    return;
                case 'g':
                    _i -= 2;
                    Error(@"\g (subexpression call)");
                    _i += 2;
                    return;
                case 'M' or 'C' when _i < p.Length && p[_i] == '-':
                    _i -= 2;
                    Error($"\\{c}- (meta/control escape)");
                    _i += 3;
                    return;
                case 'x':
                    Output.Append(HexEscape());
                    return;
                case 'p' or 'P':
                    Property(c == 'P', inClass, negatives);
                    return;
                case 'k':
                    // \k<name> and \k'name' read the same in .NET.
                    Output.Append(@"\k");
                    return;
                case 'z' or 'Z' or 'A' or 'G' or 'b' or 'B' or 'n' or 't' or 'r' or 'f' or 'v' or 'a' or 'e' or 'c' or 'u':
                    Output.Append('\\').Append(c);
                    return;
                default:
                    if (char.IsAsciiDigit(c)) { Output.Append('\\').Append(c); return; }
                    // Onigmo reads an unknown escape of a letter as the letter itself; .NET rejects it.
                    if (char.IsLetter(c) || c == '_') { Output.Append(c); return; }
                    Output.Append('\\').Append(c);
                    return;
            }
        }

        private string HexEscape()
        {
            if (_i < p.Length && p[_i] == '{')
            {
                int close = p.IndexOf('}', _i);
                if (close > _i && int.TryParse(p.AsSpan(_i + 1, close - _i - 1), NumberStyles.HexNumber, null, out int code) && code <= 0x10FFFF)
                {
                    _i = close + 1;
                    return code <= 0xFFFF ? $"\\u{code:X4}" : string.Concat(char.ConvertFromUtf32(code).Select(ch => $"\\u{(int)ch:X4}"));
                }
                Errors.Add($"bad \\x{{...}} escape at offset {_i - 2}");
                return "x";
            }
            int digits = 0;
            while (digits < 2 && _i + digits < p.Length && char.IsAsciiHexDigit(p[_i + digits])) digits++;
            if (digits == 0) return @"\x00"; // Onigmo reads a bare \x as NUL
            string hex = p.Substring(_i, digits);
            _i += digits;
            return @"\x" + hex.PadLeft(2, '0');
        }

        private void Property(bool negated, bool inClass, List<string>? negatives)
        {
            if (_i >= p.Length || p[_i] != '{') { Output.Append(negated ? "P" : "p"); return; }
            int close = p.IndexOf('}', _i);
            if (close < 0) { Errors.Add($"unterminated \\p{{ at offset {_i}"); return; }
            string name = p[(_i + 1)..close];
            _i = close + 1;
            if (name.StartsWith('^')) { negated = !negated; name = name[1..]; }
            string content = PropertyContent(name);
            if (!negated) Output.Append(inClass ? content : "[" + content + "]");
            else if (!inClass) Output.Append("[^").Append(content).Append(']');
            else negatives!.Add(content);
        }

        private static string PropertyContent(string name) => name.ToLowerInvariant() switch
        {
            "alnum" => @"\p{L}\p{M}\p{Nd}",
            "alpha" => @"\p{L}\p{M}",
            "ascii" => @"\x00-\x7F",
            "blank" => @"\t\p{Zs}",
            "cntrl" => @"\p{Cc}\p{Cf}\p{Cn}\p{Co}\p{Cs}",
            "digit" => @"\p{Nd}",
            "lower" => @"\p{Ll}",
            "upper" => @"\p{Lu}",
            "punct" => @"\p{P}$+<=>^`|~",
            "space" => @"\s",
            "word" => @"\w",
            "xdigit" => "0-9a-fA-F",
            "graph" => @"\x21-\x7E\u00A0-\uFFFF",
            "print" => @"\x20-\x7E\u00A0-\uFFFF",
            _ => $@"\p{{{name}}}",
        };

        /// <summary>Reads a class starting at '[' and returns its .NET text.</summary>
        private string CharClass()
        {
            int start = _i;
            _i++; // [
            bool negated = false;
            if (_i < p.Length && p[_i] == '^') { negated = true; _i++; }
            var positives = new StringBuilder();
            var negatives = new List<string>();
            string? intersect = null;
            bool first = true;
            while (_i < p.Length && (p[_i] != ']' || first))
            {
                first = false;
                char c = p[_i];
                if (c == '[' && _i + 1 < p.Length && p[_i + 1] == ':' && TryPosix(out string content, out bool posixNegated))
                {
                    if (posixNegated) negatives.Add(content);
                    else positives.Append(content);
                    continue;
                }
                if (c == '[')
                {
                    string nested = CharClass();
                    if (nested.StartsWith("[^")) negatives.Add(nested[2..^1]);
                    else positives.Append(nested[1..^1]);
                    continue;
                }
                if (c == '&' && _i + 1 < p.Length && p[_i + 1] == '&')
                {
                    _i += 2;
                    // The right side runs to the end of this class: one nested class, or plain items.
                    var plain = new StringBuilder();
                    string? nested = null;
                    bool complex = false;
                    while (_i < p.Length && p[_i] != ']')
                    {
                        if (p[_i] == '[') { complex |= nested is not null || plain.Length > 0; nested = CharClass(); }
                        else if (p[_i] == '\\') { complex = true; _i += 2; }
                        else { complex |= nested is not null; plain.Append(p[_i]); _i++; }
                    }
                    if (complex) { Errors.Add($"the class intersection at offset {start} is too complex to translate"); intersect = "[^]"; }
                    else intersect = nested ?? "[" + plain + "]";
                    break;
                }
                if (c == '\\')
                {
                    var saved = Output.ToString();
                    Output.Clear();
                    Escape(inClass: true, negatives);
                    string escaped = Output.ToString();
                    Output.Clear().Append(saved);
                    positives.Append(escaped);
                    // A class shorthand cannot start a range: "\w-." is \w, '-' and '.'.
                    if (escaped.Length > 2 && _i + 1 < p.Length && p[_i] == '-' && p[_i + 1] != ']') { positives.Append(@"\-"); _i++; }
                    continue;
                }
                if (c == '[' || c == '-' && _i + 1 < p.Length && p[_i + 1] == '[')
                {
                    positives.Append('\\').Append(c);
                    _i++;
                    continue;
                }
                positives.Append(c);
                _i++;
            }
            if (_i >= p.Length) Errors.Add($"character class at offset {start} is not closed");
            _i++; // ]

            if (intersect is not null)
            {
                if (negatives.Count > 0 || negated)
                {
                    Errors.Add($"the class intersection at offset {start} is too complex to translate");
                    return "[" + positives + "]";
                }
                // A && B is A minus (not B): .NET's class subtraction.
                string subtract = intersect.StartsWith("[^") ? "[" + intersect[2..] : "[^" + intersect[1..];
                return "[" + positives + "-" + subtract + "]";
            }
            if (negatives.Count == 0) return (negated ? "[^" : "[") + positives + "]";
            if (positives.Length == 0 && negatives.Count == 1) return (negated ? "[" : "[^") + negatives[0] + "]";
            if (!negated)
            {
                // [\Dx] = not (digits minus x): .NET can say that as a subtraction from "anything".
                Errors.Add($"the class at offset {start} mixes negated items (\\D, \\W, [:^alpha:], \\P{{..}}) with others");
            }
            else Errors.Add($"the negated class at offset {start} mixes negated items with others");
            return "[" + positives + "]";
        }

        private bool TryPosix(out string content, out bool negated)
        {
            content = "";
            negated = false;
            int close = p.IndexOf(":]", _i + 2, StringComparison.Ordinal);
            if (close < 0) return false;
            string name = p[(_i + 2)..close];
            if (name.StartsWith('^')) { negated = true; name = name[1..]; }
            if (name is not ("alnum" or "alpha" or "ascii" or "blank" or "cntrl" or "digit" or "graph" or "lower" or "print"
                or "punct" or "space" or "upper" or "xdigit" or "word")) return false;
            content = PropertyContent(name);
            _i = close + 2;
            return true;
        }
    }
}

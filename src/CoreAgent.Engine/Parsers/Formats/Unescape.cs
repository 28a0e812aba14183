using System.Text;

namespace CoreAgent.Engine.Parsers.Formats;

/// <summary>
/// Fluent Bit's flb_unescape_string_utf8: \" \' \\ \/ \n \b \t \f \r, \xHH, \uHHHH and \UHHHHHHHH
/// become their characters, a backslash before anything else is dropped; the text ends at a NUL.
/// </summary>
internal static class Unescape
{
    public static int Utf8(ReadOnlySpan<byte> input, Span<byte> output)
    {
        int o = 0;
        for (int i = 0; i < input.Length && input[i] != 0;)
        {
            if (input[i] != '\\' || i + 1 >= input.Length)
            {
                output[o++] = input[i++];
                continue;
            }
            byte next = input[i + 1];
            int ch;
            int used = 2;
            switch ((char)next)
            {
                case '"': ch = '"'; break;
                case '\'': ch = '\''; break;
                case '\\': ch = '\\'; break;
                case '/': ch = '/'; break;
                case 'n': ch = '\n'; break;
                case 'b': ch = '\b'; break;
                case 't': ch = '\t'; break;
                case 'f': ch = '\f'; break;
                case 'r': ch = '\r'; break;
                case 'x' or 'u' or 'U':
                    int max = next == 'x' ? 2 : next == 'u' ? 4 : 8, digits = 0, value = 0;
                    while (digits < max && i + 2 + digits < input.Length && Uri.IsHexDigit((char)input[i + 2 + digits]))
                        value = value * 16 + Convert.ToInt32(((char)input[i + 2 + digits++]).ToString(), 16);
                    if (digits == 0) { ch = next; break; }
                    ch = value;
                    used = 2 + digits;
                    break;
                default:
                    if (next is >= (byte)'0' and <= (byte)'7')
                    {
                        int n = 0, v = 0;
                        while (n < 3 && i + 1 + n < input.Length && input[i + 1 + n] is >= (byte)'0' and <= (byte)'7') v = v * 8 + (input[i + 1 + n++] - '0');
                        ch = v;
                        used = 1 + n;
                        break;
                    }
                    ch = next;
                    break;
            }
            i += used;
            if (ch == 0) break;
            if (ch < 0x80) output[o++] = (byte)ch;
            else if (ch <= 0x10FFFF && !(ch is >= 0xD800 and <= 0xDFFF))
                o += Encoding.UTF8.GetBytes(char.ConvertFromUtf32(ch), output[o..]);
            else
                output[o++] = (byte)'?';
        }
        return o;
    }
}

using System.Text;

namespace CoreAgent.Engine.Plugins.Filters.Shared;

/// <summary>
/// A key name, or a prefix when it ends with <c>*</c> (<c>kubernetes_*</c>), as modify's wildcard
/// rules, nest's Wildcard and record_modifier's Remove_key read it.
/// </summary>
public sealed class KeyPattern
{
    private readonly byte[] _bytes;
    private readonly bool _prefix;
    private readonly bool _ignoreCase;

    public KeyPattern(string text, bool ignoreCase = false)
    {
        Text = text;
        _prefix = text.EndsWith('*');
        _bytes = Encoding.UTF8.GetBytes(_prefix ? text[..^1] : text);
        _ignoreCase = ignoreCase;
    }

    public string Text { get; }

    public bool Matches(ReadOnlySpan<byte> name)
    {
        if (_prefix ? name.Length < _bytes.Length : name.Length != _bytes.Length) return false;
        var head = name[.._bytes.Length];
        return _ignoreCase ? AsciiEqualsIgnoreCase(head, _bytes) : head.SequenceEqual(_bytes);
    }

    private static bool AsciiEqualsIgnoreCase(ReadOnlySpan<byte> a, ReadOnlySpan<byte> b)
    {
        for (int i = 0; i < a.Length; i++)
        {
            byte x = a[i], y = b[i];
            if (x == y) continue;
            if ((uint)((x | 0x20) - 'a') > 'z' - 'a' || (x | 0x20) != (y | 0x20)) return false;
        }
        return true;
    }

    public override string ToString() => Text;
}

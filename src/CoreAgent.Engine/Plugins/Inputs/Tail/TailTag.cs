using System.Text;

namespace CoreAgent.Engine.Plugins.Inputs.Tail;

/// <summary>
/// The tag of a tailed file, as Fluent Bit composes it: the input's tag with its first <c>*</c>
/// replaced by the file's path, then every '/', '\' and ':' made a '.', a leading one dropped,
/// runs of dots squeezed to one, other '*' dropped and a trailing '.' removed. So
/// <c>Tag kube.*</c> and <c>/var/log/app.log</c> give <c>kube.var.log.app.log</c>.
/// </summary>
public static class TailTag
{
    public static string Compose(string tag, string path)
    {
        int star = tag.IndexOf('*');
        if (star < 0) return tag;
        string raw = string.Concat(tag.AsSpan(0, star), path, tag.AsSpan(star + 1));
        var output = new StringBuilder(raw.Length);
        foreach (char original in raw)
        {
            char c = original is '/' or '\\' or ':' ? '.' : original;
            if (c == '.' && original != '.' && output.Length == 0) continue; // a leading separator is dropped
            if (c == '*') continue;
            if (c == '.' && output.Length > 0 && output[^1] == '.') continue;
            output.Append(c);
        }
        if (output.Length > 0 && output[^1] == '.') output.Length--;
        return output.ToString();
    }
}

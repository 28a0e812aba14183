using System.Text;

namespace CoreAgent.Engine.Config;

/// <summary>How Fluent Bit names the keys of its YAML format (flb_cf_key_translate).</summary>
internal static class KeyNames
{
    /// <summary>
    /// A key starting with a lower-case letter and holding no '_' is camelCase and becomes snake_case
    /// (memBufLimit: mem_buf_limit); a key holding '_' is only lower-cased; any other key stays as
    /// written. CoreAgent then lower-cases every key, as the classic format does (keys are
    /// case-insensitive either way).
    /// </summary>
    public static string FromYaml(string key)
    {
        if (key.Length == 0 || !char.IsAsciiLetterLower(key[0]) || key.Contains('_')) return key.ToLowerInvariant();
        var output = new StringBuilder(key.Length + 4);
        for (var i = 0; i < key.Length; i++)
        {
            var c = key[i];
            if (char.IsAsciiLetterUpper(c) && i > 0) output.Append('_');
            output.Append(char.ToLowerInvariant(c));
        }
        return output.ToString();
    }
}

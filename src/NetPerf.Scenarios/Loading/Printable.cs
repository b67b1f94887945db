using System.Globalization;
using System.Text;

namespace NetPerf.Scenarios.Loading;

/// <summary>
/// Text from a user's file made safe to print: a scenario's bytes reach the terminal inside error messages, and an
/// ESC or NUL in them would drive the terminal instead of being read. Every diagnostic passes through here.
/// </summary>
public static class Printable
{
    /// <summary>Longest quoted value shown in a message; a 4 MiB scalar is not printed whole.</summary>
    public const int MaxShown = 80;

    /// <summary>Control and format characters (ESC, NUL, bidi overrides, lone surrogates) as visible escapes.</summary>
    public static string Escape(string text)
    {
        if (!text.Any(NeedsEscape))
        {
            return text;
        }

        var b = new StringBuilder(text.Length + 16);
        for (int i = 0; i < text.Length; i++)
        {
            char c = text[i];
            if (char.IsHighSurrogate(c) && i + 1 < text.Length && char.IsLowSurrogate(text[i + 1]))
            {
                b.Append(c).Append(text[++i]);
                continue;
            }

            b.Append(c switch
            {
                '\0' => "\\0",
                '\t' => "\\t",
                '\n' => "\\n",
                '\r' => "\\r",
                '\x1B' => "\\e",
                _ when NeedsEscape(c) => $"\\u{(int)c:X4}",
                _ => c.ToString(),
            });
        }

        return b.ToString();
    }

    /// <summary>A value quoted for a message, cut to <see cref="MaxShown"/> characters.</summary>
    public static string Quote(string value) =>
        value.Length <= MaxShown ? $"'{value}'" : $"'{value[..MaxShown]}...' ({value.Length:N0} characters)";

    private static bool NeedsEscape(char c) =>
        char.IsControl(c) || char.IsSurrogate(c) || CharUnicodeInfo.GetUnicodeCategory(c) == UnicodeCategory.Format;
}

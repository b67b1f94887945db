using System.Text;

namespace NetPerf.Scenarios.Tests.Loading;

/// <summary>
/// Seeded edits of a scenario's text for the fuzz tests (in process here; through a child worker in
/// NetPerf.Cli.Tests, which compiles this same file): inserted fragments, deleted and duplicated runs, changed bytes.
/// </summary>
internal static class ScenarioMutator
{
    // Fragments YAML's grammar and YamlDotNet's failures turn on: flow brackets, anchors and aliases, tags,
    // directives, keys, document markers, quotes, control bytes.
    public static readonly string[] Fragments =
        ["[", "]", "{", "}", ":", ": ", "\n", "\n  ", "- ", "? ", "&a ", "*a", "!!", "!!str ", "%TAG ! ", "%YAML 1.1\n", "---\n", "...", "\"", "'", "#", ",", "|", ">", "\0", "\u001b", "\t", "\uFEFF", "\r\n", "%", "@", "`"];

    public static string Mutate(string text, Random random)
    {
        var b = new StringBuilder(text);
        for (int edits = random.Next(1, 5); edits > 0; edits--)
        {
            int at = random.Next(b.Length + 1);
            switch (random.Next(4))
            {
                case 0:
                    b.Insert(at, Fragments[random.Next(Fragments.Length)]);
                    break;
                case 1 when b.Length > 0:
                    b.Remove(Math.Min(at, b.Length - 1), Math.Min(random.Next(1, 40), b.Length - Math.Min(at, b.Length - 1)));
                    break;
                case 2 when b.Length > 0:
                    int from = random.Next(b.Length);
                    b.Insert(at, b.ToString(from, Math.Min(random.Next(1, 200), b.Length - from)));
                    break;
                case 3 when b.Length > 0:
                    b[Math.Min(at, b.Length - 1)] = (char)random.Next(0, 128);
                    break;
            }
        }

        return b.ToString();
    }
}

using YamlDotNet.Core;
using YamlDotNet.RepresentationModel;

namespace NetPerf.Scenarios.Loading;

/// <summary>Collects the problems of one file, each tied to the YAML node it is about.</summary>
internal sealed class Diagnostics(string file)
{
    private readonly List<ScenarioError> _errors = [];

    public string File { get; } = file;
    public IReadOnlyList<ScenarioError> Errors => _errors;
    public List<string> Warnings { get; } = [];

    public void Error(YamlNode? node, string message) => Error(node?.Start ?? Mark.Empty, message);

    public void Error(Mark at, string message) =>
        _errors.Add(new ScenarioError(File, Math.Max(1, (int)at.Line), Math.Max(1, (int)at.Column), message));

    public void Warning(YamlNode? node, string message) =>
        Warnings.Add($"{File}:{Math.Max(1, (int)(node?.Start.Line ?? 1))}:{Math.Max(1, (int)(node?.Start.Column ?? 1))}: warning: {message}");

    /// <summary>The closest allowed word, for "did you mean" (edit distance at most a third of its length).</summary>
    public static string Suggest(string given, IEnumerable<string> allowed)
    {
        var best = allowed.Select(a => (a, d: Distance(given.ToLowerInvariant(), a.ToLowerInvariant()))).MinBy(x => x.d);
        return best.a is not null && best.d <= Math.Max(1, best.a.Length / 3) ? $" (did you mean '{best.a}'?)" : "";
    }

    private static int Distance(string a, string b)
    {
        var d = new int[a.Length + 1, b.Length + 1];
        for (int i = 0; i <= a.Length; i++) d[i, 0] = i;
        for (int j = 0; j <= b.Length; j++) d[0, j] = j;
        for (int i = 1; i <= a.Length; i++)
        {
            for (int j = 1; j <= b.Length; j++)
            {
                d[i, j] = Math.Min(Math.Min(d[i - 1, j] + 1, d[i, j - 1] + 1), d[i - 1, j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1));
            }
        }

        return d[a.Length, b.Length];
    }
}

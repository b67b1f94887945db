using YamlDotNet.Core;
using YamlDotNet.RepresentationModel;

namespace NetPerf.Scenarios.Loading;

/// <summary>Collects the problems of one file, each tied to the YAML node it is about.</summary>
internal sealed class Diagnostics(string file, string text)
{
    /// <summary>Longest word "did you mean" compares: the allowed words are short, and the work grows with the square.</summary>
    public const int MaxSuggested = DidYouMean.MaxSuggested;

    private readonly List<ScenarioError> _errors = [];

    // YamlDotNet marks the end of the stream one line past a final newline; no error may point past the last line.
    private readonly int _lines = Math.Max(1, text.AsSpan().Count('\n') + (text.EndsWith('\n') ? 0 : 1));

    public string File { get; } = file;
    public IReadOnlyList<ScenarioError> Errors => _errors;
    public List<string> Warnings { get; } = [];

    public void Error(YamlNode? node, string message) => Error(node?.Start ?? Mark.Empty, message);

    private readonly HashSet<string> _refused = new(StringComparer.Ordinal);

    /// <summary>
    /// An error about the value at <paramref name="where"/> (a key path as errors name it: cluster.racks,
    /// workloads[0].rate): the reader goes on with the default in its place, so a check that reasons from that
    /// value asks <see cref="IsRefused"/> first and says nothing, rather than an error about a default the user never wrote.
    /// </summary>
    public void Refuse(YamlNode? node, string where, string message)
    {
        Error(node, message);
        _refused.Add(where);
    }

    /// <summary>Whether any of the values at these key paths was refused (<see cref="Refuse"/>).</summary>
    public bool IsRefused(params string[] wheres) => wheres.Any(_refused.Contains);

    public void Error(Mark at, string message) => _errors.Add(At(at, message));

    /// <summary>An error at a place in the file, the place clamped to the file's lines.</summary>
    public ScenarioError At(Mark at, string message)
    {
        var (line, column) = Place(at);
        return new ScenarioError(File, line, column, message);
    }

    public void Warning(YamlNode? node, string message)
    {
        var (line, column) = Place(node?.Start ?? Mark.Empty);
        Warnings.Add(Printable.Escape($"{File}:{line}:{column}: warning: {message}"));
    }

    private (int Line, int Column) Place(Mark at)
    {
        int line = (int)Math.Clamp(at.Line, 1, _lines);
        int column = line == at.Line ? (int)Math.Clamp(at.Column, 1, int.MaxValue) : 1;
        return (line, column);
    }

    /// <summary>The closest allowed word, for "did you mean" (edit distance at most a third of its length).</summary>
    public static string Suggest(string given, IEnumerable<string> allowed) => DidYouMean.Suggest(given, allowed);
}

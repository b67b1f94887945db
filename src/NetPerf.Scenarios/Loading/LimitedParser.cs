using YamlDotNet.Core;
using YamlDotNet.Core.Events;

namespace NetPerf.Scenarios.Loading;

/// <summary>
/// YamlDotNet's parser with caps on what a scenario's YAML may cost, checked on each event before the
/// representation model sees it: the model is built recursively (30,000 nested '[' overflow the stack and kill
/// the process) and hashes mapping keys through aliases (an alias bomb used as a key takes time exponential in
/// its levels). A real scenario is a few hundred values six levels deep, so the caps are far above any file meant
/// to be run. It also remembers where it was, so an exception YamlDotNet throws without a position gets one.
/// </summary>
internal sealed class LimitedParser(string text) : IParser
{
    public const int MaxDepth = 64;
    public const long MaxNodes = 100_000;
    public const int MaxScalarLength = 16_384;

    private readonly Parser _inner = new(new StringReader(text));
    private readonly Dictionary<string, long> _sizes = new(StringComparer.Ordinal);
    private readonly Stack<(string? Anchor, long Nodes)> _open = new();
    private long _total;

    public ParsingEvent? Current => _inner.Current;

    /// <summary>The start of the last event read: where a failure without a position of its own is reported.</summary>
    public Mark Last { get; private set; } = Mark.Empty;

    public bool MoveNext()
    {
        if (!_inner.MoveNext())
        {
            return false;
        }

        var e = _inner.Current!;
        Last = e.Start;
        Count(e);
        return true;
    }

    private void Count(ParsingEvent e)
    {
        if (e is Scalar { Value.Length: > MaxScalarLength } s)
        {
            Refuse(e, $"a value of {s.Value.Length:N0} characters; at most {MaxScalarLength:N0} are allowed");
        }

        // An alias counts as a copy of what it names: that is what hashing it as a key, or reading it, costs.
        long weight = e switch
        {
            AnchorAlias alias => _sizes.GetValueOrDefault(alias.Value.Value, 1),
            Scalar or MappingStart or SequenceStart => 1,
            _ => 0,
        };
        if (e is Scalar { Anchor.IsEmpty: false } anchored)
        {
            _sizes[anchored.Anchor.Value] = 1;
        }

        _total += weight;
        AddToParent(weight);
        if (_total > MaxNodes)
        {
            Refuse(e, $"the file has more than {MaxNodes:N0} values (each use of an alias counted as a copy of what it names); a scenario needs a few hundred");
        }

        switch (e)
        {
            case MappingStart or SequenceStart:
                var anchor = ((NodeEvent)e).Anchor;
                _open.Push((anchor.IsEmpty ? null : anchor.Value, 0));
                if (_open.Count > MaxDepth)
                {
                    Refuse(e, $"lists and mappings nest more than {MaxDepth} deep; a scenario needs six levels or so");
                }

                break;
            case MappingEnd or SequenceEnd when _open.Count > 0:
                var (name, inner) = _open.Pop();
                if (name is not null)
                {
                    _sizes[name] = inner + 1;
                }

                AddToParent(inner);
                break;
        }
    }

    private void AddToParent(long nodes)
    {
        if (_open.Count > 0)
        {
            var (anchor, count) = _open.Pop();
            _open.Push((anchor, count + nodes));
        }
    }

    private static void Refuse(ParsingEvent e, string message) => throw new YamlException(e.Start, e.End, message);
}

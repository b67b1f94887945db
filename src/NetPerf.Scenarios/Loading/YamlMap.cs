using System.Globalization;
using NetPerf.Engine.Time;
using YamlDotNet.RepresentationModel;

namespace NetPerf.Scenarios.Loading;

/// <summary>
/// One YAML mapping read against the keys it allows: unknown keys, wrong types and out-of-range values are
/// reported (all of them, with where they are) and the default stands in, so reading goes on and the user sees
/// every problem in one pass.
/// </summary>
internal sealed class YamlMap
{
    private readonly Diagnostics _d;
    private readonly Dictionary<string, (YamlScalarNode Key, YamlNode Value)> _entries = new(StringComparer.Ordinal);

    private YamlMap(YamlMappingNode node, string path, Diagnostics d, IReadOnlyList<string> allowed)
    {
        Node = node;
        Path = path;
        _d = d;
        foreach (var (k, v) in node.Children)
        {
            if (k is not YamlScalarNode key || key.Value is null)
            {
                d.Error(k, $"{path}: keys must be plain words; allowed here: {string.Join(", ", allowed)}");
                continue;
            }

            if (!allowed.Contains(key.Value))
            {
                d.Error(key, $"{(path.Length == 0 ? "" : path + ": ")}unknown key {Printable.Quote(key.Value)}{Diagnostics.Suggest(key.Value, allowed)}; allowed here: {string.Join(", ", allowed)}");
                continue;
            }

            _entries[key.Value] = (key, v);
        }
    }

    public YamlMappingNode Node { get; }
    public string Path { get; }

    /// <summary>Reads <paramref name="node"/> as a mapping with the given keys, or reports that it is not one.</summary>
    public static YamlMap? Of(YamlNode? node, string path, Diagnostics d, params string[] allowed)
    {
        if (node is YamlMappingNode m)
        {
            return new YamlMap(m, path, d, allowed);
        }

        d.Refuse(node, path, $"{path}: expected a mapping (key: value lines) with keys {string.Join(", ", allowed)}; found {Describe(node)}");
        return null;
    }

    public bool Has(string key) => _entries.ContainsKey(key);

    public YamlNode? this[string key] => _entries.TryGetValue(key, out var e) ? e.Value : null;

    public string Where(string key) => Path.Length == 0 ? key : $"{Path}.{key}";

    public void Require(params string[] keys)
    {
        foreach (var key in keys.Where(k => !Has(k)))
        {
            _d.Error(Node, $"{Where(key)}: required, missing");
        }
    }

    public string? String(string key, string? fallback = null)
    {
        if (this[key] is not { } node)
        {
            return fallback;
        }

        if (node is YamlScalarNode { Value: { Length: > 0 } s })
        {
            return s;
        }

        _d.Refuse(node, Where(key), $"{Where(key)}: expected text; found {Describe(node)}");
        return fallback;
    }

    public string Choice(string key, IReadOnlyList<string> allowed, string fallback) =>
        this[key] is { } node ? ChoiceOf(node, Where(key), allowed, _d) ?? fallback : fallback;

    public static string? ChoiceOf(YamlNode node, string where, IReadOnlyList<string> allowed, Diagnostics d)
    {
        if (node is YamlScalarNode { Value: { } s } && allowed.Contains(s))
        {
            return s;
        }

        string given = node is YamlScalarNode { Value: { } v } ? Printable.Quote(v) : Describe(node);
        d.Refuse(node, where, $"{where}: {given} is not allowed{(node is YamlScalarNode { Value: { } g } ? Diagnostics.Suggest(g, allowed) : "")}; allowed: {string.Join(", ", allowed)}");
        return null;
    }

    public long Integer(string key, long min, long max, long fallback) =>
        this[key] is { } node ? IntegerOf(node, Where(key), min, max, _d) ?? fallback : fallback;

    public static long? IntegerOf(YamlNode node, string where, long min, long max, Diagnostics d)
    {
        if (node is YamlScalarNode { Value: { } s } && long.TryParse(s.Replace("_", ""), NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out long v))
        {
            if (v >= min && v <= max)
            {
                return v;
            }

            d.Refuse(node, where, $"{where}: {v} is out of range; allowed: {min} to {max}");
            return null;
        }

        d.Refuse(node, where, $"{where}: expected a whole number from {min} to {max}; found {Describe(node)}");
        return null;
    }

    public double Number(string key, double min, double max, double fallback)
    {
        if (this[key] is not { } node)
        {
            return fallback;
        }

        if (node is YamlScalarNode { Value: { } s } && double.TryParse(s, NumberStyles.Float, CultureInfo.InvariantCulture, out double v) && double.IsFinite(v))
        {
            if (v >= min && v <= max)
            {
                return v;
            }

            _d.Refuse(node, Where(key), $"{Where(key)}: {s} is out of range; allowed: {min.ToString(CultureInfo.InvariantCulture)} to {max.ToString(CultureInfo.InvariantCulture)}");
            return fallback;
        }

        _d.Refuse(node, Where(key), $"{Where(key)}: expected a number; found {Describe(node)}");
        return fallback;
    }

    public bool Boolean(string key, bool fallback)
    {
        if (this[key] is not { } node)
        {
            return fallback;
        }

        if (node is YamlScalarNode { Value: "true" or "false" } s)
        {
            return s.Value == "true";
        }

        _d.Refuse(node, Where(key), $"{Where(key)}: expected true or false; found {Describe(node)}");
        return fallback;
    }

    /// <summary>A duration with its unit: 250ms, 1.5s, 40us, 500ns.</summary>
    public SimTime Duration(string key, SimTime min, SimTime max, SimTime fallback)
    {
        if (this[key] is not { } node)
        {
            return fallback;
        }

        // A field whose range reaches past an hour (Cilium's conntrack lifetimes: 8000 s by default) parses that far.
        if (node is YamlScalarNode { Value: { } s } && ParseDuration(s, Math.Max(MaxParsedSeconds, 10 * max.TotalSeconds)) is { } t)
        {
            if (t >= min && t <= max)
            {
                return t;
            }

            _d.Refuse(node, Where(key), $"{Where(key)}: {s} is out of range; allowed: {Show(min)} to {Show(max)}");
            return fallback;
        }

        _d.Refuse(node, Where(key), $"{Where(key)}: expected a duration with a unit (ns, us, ms or s), e.g. 200ms; found {Describe(node)}");
        return fallback;
    }

    public IReadOnlyList<YamlNode> List(string key)
    {
        if (this[key] is not { } node)
        {
            return [];
        }

        if (node is YamlSequenceNode seq)
        {
            return seq.Children.ToList();
        }

        _d.Refuse(node, Where(key), $"{Where(key)}: expected a list (lines starting with '- ' or [a, b]); found {Describe(node)}");
        return [];
    }

    /// <summary>A key: value mapping of labels, as in a pod's metadata or a Service's selector.</summary>
    public IReadOnlyDictionary<string, string> Labels(string key)
    {
        var labels = new SortedDictionary<string, string>(StringComparer.Ordinal);
        if (this[key] is not { } node)
        {
            return labels;
        }

        if (node is not YamlMappingNode m)
        {
            _d.Refuse(node, Where(key), $"{Where(key)}: expected labels as key: value pairs, e.g. {{app: web}}; found {Describe(node)}");
            return labels;
        }

        foreach (var (k, v) in m.Children)
        {
            if (k is YamlScalarNode { Value: { Length: > 0 } ks } && v is YamlScalarNode { Value: { } vs })
            {
                labels[ks] = vs;
            }
            else
            {
                _d.Refuse(k, Where(key), $"{Where(key)}: every label is a word: a word; found {Describe(k)}: {Describe(v)}");
            }
        }

        return labels;
    }

    /// <summary>The longest duration a value parses to unless its field allows more: an hour.</summary>
    private const double MaxParsedSeconds = 3600;

    public static SimTime? ParseDuration(string s, double maxSeconds = MaxParsedSeconds)
    {
        s = s.Trim();
        (string unit, double scale) = s.EndsWith("ns", StringComparison.Ordinal) ? ("ns", 1e-9)
            : s.EndsWith("us", StringComparison.Ordinal) ? ("us", 1e-6)
            : s.EndsWith("µs", StringComparison.Ordinal) ? ("µs", 1e-6)
            : s.EndsWith("ms", StringComparison.Ordinal) ? ("ms", 1e-3)
            : s.EndsWith('s') ? ("s", 1.0)
            : ("", 0);
        if (unit.Length == 0 || !double.TryParse(s[..^unit.Length], NumberStyles.Float, CultureInfo.InvariantCulture, out double v)
            || !double.IsFinite(v) || v < 0 || v * scale > maxSeconds)
        {
            return null;
        }

        return SimTime.FromSeconds(v * scale);
    }

    public static string Show(SimTime t) =>
        t.TotalSeconds >= 1 ? $"{t.TotalSeconds.ToString(CultureInfo.InvariantCulture)}s"
        : t.TotalMilliseconds >= 1 ? $"{t.TotalMilliseconds.ToString(CultureInfo.InvariantCulture)}ms"
        : $"{t.TotalMicroseconds.ToString(CultureInfo.InvariantCulture)}us";

    public static string Describe(YamlNode? node) => node switch
    {
        null => "nothing",
        YamlScalarNode { Value: null or "" } => "an empty value",
        YamlScalarNode s => Printable.Quote(s.Value),
        YamlSequenceNode => "a list",
        YamlMappingNode => "a mapping",
        _ => "something else",
    };
}

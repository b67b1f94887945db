using System.Globalization;
using NetPerf.Kubernetes.Scheduling;
using YamlDotNet.RepresentationModel;

namespace NetPerf.Scenarios.Loading;

/// <summary>
/// The placement keys a scenario may give, read and checked at their lines: node labels and taints (cluster),
/// a deployment's requests, anti-affinity and tolerations. Taints and tolerations are written as kubectl taint
/// writes them: <c>key=value:Effect</c>, <c>key:Effect</c>; a toleration without <c>=value</c> is operator Exists.
/// </summary>
internal static class PlacementKeys
{
    public static readonly IReadOnlyList<string> Topologies = ["hostname", "zone"];

    public static readonly IReadOnlyList<string> Effects = Enum.GetNames<TaintEffect>();

    public static string TopologyKey(string word) => word == "zone" ? SchedulingNode.ZoneLabel : SchedulingNode.HostnameLabel;

    /// <summary>cluster.nodeLabels: { N: { key: value } }.</summary>
    public static IReadOnlyDictionary<int, IReadOnlyDictionary<string, string>> NodeLabels(YamlMap m, Diagnostics d)
    {
        var result = new SortedDictionary<int, IReadOnlyDictionary<string, string>>();
        foreach (var (node, value, where) in ByNode(m, "nodeLabels", d))
        {
            if (value is not YamlMappingNode labels)
            {
                d.Error(value, $"{where}: expected labels as key: value pairs, e.g. {{disk: ssd}}; found {YamlMap.Describe(value)}");
                continue;
            }

            var read = new SortedDictionary<string, string>(StringComparer.Ordinal);
            foreach (var (k, v) in labels.Children)
            {
                if (k is YamlScalarNode { Value: { Length: > 0 } ks } && v is YamlScalarNode { Value: { } vs })
                {
                    read[ks] = vs;
                }
                else
                {
                    d.Error(k, $"{where}: every label is a word: a word; found {YamlMap.Describe(k)}: {YamlMap.Describe(v)}");
                }
            }

            result[node] = read;
        }

        return result;
    }

    /// <summary>cluster.nodeTaints: { N: [key=value:Effect, ...] }.</summary>
    public static IReadOnlyDictionary<int, IReadOnlyList<Taint>> NodeTaints(YamlMap m, Diagnostics d)
    {
        var result = new SortedDictionary<int, IReadOnlyList<Taint>>();
        foreach (var (node, value, where) in ByNode(m, "nodeTaints", d))
        {
            if (value is not YamlSequenceNode list)
            {
                d.Error(value, $"{where}: expected a list of taints (key=value:Effect); found {YamlMap.Describe(value)}");
                continue;
            }

            result[node] = list.Children.Select(t => Taint(t, where, d)).OfType<Taint>().ToList();
        }

        return result;
    }

    /// <summary>A deployment's requests: { cpu: 500m | 0.5 | 2, memory: 512Mi | 1Gi | 1000000 }.</summary>
    public static ContainerRequests Requests(YamlMap m, Diagnostics d)
    {
        if (m["requests"] is not { } node || YamlMap.Of(node, m.Where("requests"), d, ScenarioKeys.Requests) is not { } r)
        {
            return default;
        }

        long? cpu = r["cpu"] is { } c ? Quantity(c, r.Where("cpu"), d, cpu: true) : null;
        long? memory = r["memory"] is { } mem ? Quantity(mem, r.Where("memory"), d, cpu: false) : null;
        return new ContainerRequests(cpu, memory);
    }

    /// <summary>A deployment's tolerations: [key=value:Effect, key:Effect, key] (no value: Exists; no effect: every effect).</summary>
    public static IReadOnlyList<Toleration> Tolerations(YamlMap m, Diagnostics d)
    {
        var result = new List<Toleration>();
        foreach (var node in m.List("tolerations"))
        {
            if (node is not YamlScalarNode { Value: { Length: > 0 } text })
            {
                d.Error(node, $"{m.Where("tolerations")}: expected key=value:Effect, key:Effect or key; found {YamlMap.Describe(node)}");
                continue;
            }

            var (key, value, effect, ok) = Split(text, requireEffect: false, node, m.Where("tolerations"), d);
            if (ok)
            {
                result.Add(new Toleration(key, value is null ? TolerationOperator.Exists : TolerationOperator.Equal, value ?? "", effect));
            }
        }

        return result;
    }

    private static Taint? Taint(YamlNode node, string where, Diagnostics d)
    {
        if (node is not YamlScalarNode { Value: { Length: > 0 } text })
        {
            d.Error(node, $"{where}: expected key=value:Effect; found {YamlMap.Describe(node)}");
            return null;
        }

        var (key, value, effect, ok) = Split(text, requireEffect: true, node, where, d);
        return ok ? new Taint(key, value ?? "", effect!.Value) : null;
    }

    private static (string Key, string? Value, TaintEffect? Effect, bool Ok) Split(string text, bool requireEffect, YamlNode node, string where, Diagnostics d)
    {
        string body = text;
        TaintEffect? effect = null;
        int colon = text.LastIndexOf(':');
        if (colon >= 0)
        {
            string word = text[(colon + 1)..];
            if (!Enum.TryParse(word, ignoreCase: false, out TaintEffect e) || !Effects.Contains(word))
            {
                d.Error(node, $"{where}: {Printable.Quote(word)} is not a taint effect; allowed: {string.Join(", ", Effects)}");
                return ("", null, null, false);
            }

            effect = e;
            body = text[..colon];
        }
        else if (requireEffect)
        {
            d.Error(node, $"{where}: {Printable.Quote(text)} has no effect; write key=value:Effect (Effect one of {string.Join(", ", Effects)})");
            return ("", null, null, false);
        }

        int eq = body.IndexOf('=');
        string key = eq >= 0 ? body[..eq] : body;
        if (key.Length == 0)
        {
            d.Error(node, $"{where}: {Printable.Quote(text)} has no key; write key=value:Effect");
            return ("", null, null, false);
        }

        return (key, eq >= 0 ? body[(eq + 1)..] : null, effect, true);
    }

    /// <summary>A Kubernetes quantity: cpu in cores or millicores (500m), memory in bytes with Ki/Mi/Gi/Ti or k/M/G/T.</summary>
    private static long? Quantity(YamlNode node, string where, Diagnostics d, bool cpu)
    {
        string allowed = cpu ? "cores (0.5, 2) or millicores (500m)" : "bytes, or with Ki, Mi, Gi, Ti, k, M, G, T (512Mi, 1Gi)";
        if (node is not YamlScalarNode { Value: { Length: > 0 } text })
        {
            d.Error(node, $"{where}: expected {allowed}; found {YamlMap.Describe(node)}");
            return null;
        }

        (string number, double scale) = cpu
            ? text.EndsWith('m') ? (text[..^1], 1.0) : (text, 1000.0)
            : Suffix(text);
        if (!double.TryParse(number, NumberStyles.Float, CultureInfo.InvariantCulture, out double v) || !double.IsFinite(v) || v < 0 || v * scale > 1e15)
        {
            d.Error(node, $"{where}: {Printable.Quote(text)} is not a quantity; expected {allowed}");
            return null;
        }

        return (long)Math.Ceiling(v * scale); // the API server rounds a quantity up to its smallest unit
    }

    private static (string, double) Suffix(string text)
    {
        foreach (var (suffix, scale) in new[] { ("Ki", 1024.0), ("Mi", 1024.0 * 1024), ("Gi", 1024.0 * 1024 * 1024), ("Ti", 1024.0 * 1024 * 1024 * 1024), ("k", 1e3), ("M", 1e6), ("G", 1e9), ("T", 1e12) })
        {
            if (text.EndsWith(suffix, StringComparison.Ordinal))
            {
                return (text[..^suffix.Length], scale);
            }
        }

        return (text, 1);
    }

    private static IEnumerable<(int Node, YamlNode Value, string Where)> ByNode(YamlMap m, string key, Diagnostics d)
    {
        if (m[key] is not { } node)
        {
            yield break;
        }

        if (node is not YamlMappingNode map)
        {
            d.Error(node, $"{m.Where(key)}: expected node numbers as keys, e.g. {{3: ...}}; found {YamlMap.Describe(node)}");
            yield break;
        }

        foreach (var (k, v) in map.Children)
        {
            if (k is YamlScalarNode { Value: { } s } && int.TryParse(s, NumberStyles.None, CultureInfo.InvariantCulture, out int n) && n >= 1)
            {
                yield return (n, v, $"{m.Where(key)}.{n}");
            }
            else
            {
                d.Error(k, $"{m.Where(key)}: {YamlMap.Describe(k)} is not a node number; allowed: 1 to cluster.nodes");
            }
        }
    }
}

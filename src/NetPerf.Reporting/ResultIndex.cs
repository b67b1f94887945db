namespace NetPerf.Reporting;

/// <summary>
/// The paths, variants and series (a variant's workload on a path) of a result set, in the order they were run:
/// what the plots and the report iterate over, so both show the same things in the same order.
/// </summary>
internal sealed class ResultIndex
{
    public ResultIndex(ResultSet results)
    {
        Results = results;
        var paths = new List<string>();
        var variants = new List<string>();
        var cnis = new List<string>();
        var series = new Dictionary<string, List<SeriesKey>>(StringComparer.Ordinal);
        var variantCni = new Dictionary<string, (string Cni, string KubeProxy)>(StringComparer.Ordinal);

        void Add(string path, string variant, string workload, string cni, string kubeProxy)
        {
            if (!series.TryGetValue(path, out List<SeriesKey>? onPath))
            {
                paths.Add(path);
                series.Add(path, onPath = []);
            }
            if (!variantCni.ContainsKey(variant))
            {
                variants.Add(variant);
                variantCni.Add(variant, (cni, kubeProxy));
            }
            if (!cnis.Contains(cni))
                cnis.Add(cni);
            var key = new SeriesKey(variant, workload);
            if (!onPath.Contains(key))
                onPath.Add(key);
        }

        foreach (SummaryRow r in results.Summary)
            Add(r.Path, r.Variant, r.Workload, r.Cni, r.KubeProxy);
        foreach (LatencyCdf c in results.Cdfs)
            Add(c.Path, c.Variant, c.Workload, c.Cni, c.KubeProxy);
        foreach (CpuRow r in results.Cpu)
            Add(r.Path, r.Variant, r.Workload, r.Cni, r.KubeProxy);

        Paths = paths;
        Variants = variants;
        Cnis = cnis;
        _series = series;
        _variantCni = variantCni;

        var stages = new List<string>();
        foreach (CpuRow r in results.Cpu)
        {
            if (!stages.Contains(r.Stage))
                stages.Add(r.Stage);
        }
        Stages = stages;
    }

    private readonly Dictionary<string, List<SeriesKey>> _series;
    private readonly Dictionary<string, (string Cni, string KubeProxy)> _variantCni;

    public ResultSet Results { get; }

    public IReadOnlyList<string> Paths { get; }

    public IReadOnlyList<string> Variants { get; }

    public IReadOnlyList<string> Cnis { get; }

    /// <summary>Kernel stages in the order cpu rows first name them (a packet's way through the stack).</summary>
    public IReadOnlyList<string> Stages { get; }

    public IReadOnlyList<SeriesKey> Series(string path) => _series.TryGetValue(path, out List<SeriesKey>? s) ? s : [];

    public string CniOf(string variant) => _variantCni[variant].Cni;

    public string KubeProxyOf(string variant) => _variantCni[variant].KubeProxy;

    /// <summary>True when one path carries more than one workload, so labels must name the workload too.</summary>
    public bool ManyWorkloads(string path) => Series(path).Select(s => s.Workload).Distinct().Count() > 1;

    public string Label(string path, SeriesKey key) => ManyWorkloads(path) ? $"{key.Variant} ({key.Workload})" : key.Variant;

    public SummaryRow? Find(string path, SeriesKey key, string metric) =>
        Results.Summary.FirstOrDefault(r =>
            r.Path == path && r.Variant == key.Variant && r.Workload == key.Workload && r.Metric == metric);

    /// <summary>
    /// A file-name-safe form of a path name: lower-case letters, digits and dashes (pod-cross-node stays as it is).
    /// </summary>
    public static string Slug(string name)
    {
        var chars = new char[name.Length];
        int n = 0;
        foreach (char c in name.ToLowerInvariant())
        {
            bool keep = c is >= 'a' and <= 'z' or >= '0' and <= '9';
            char next = keep ? c : '-';
            if (next == '-' && (n == 0 || chars[n - 1] == '-'))
                continue;
            chars[n++] = next;
        }
        while (n > 0 && chars[n - 1] == '-')
            n--;
        return n == 0 ? "path" : new string(chars, 0, n);
    }

    /// <summary>Slugs for every path, made unique by a numeric suffix when two names collapse to one.</summary>
    public IReadOnlyDictionary<string, string> PathSlugs()
    {
        var slugs = new Dictionary<string, string>(StringComparer.Ordinal);
        var used = new HashSet<string>(StringComparer.Ordinal);
        foreach (string path in Paths)
        {
            string slug = Slug(path);
            string candidate = slug;
            for (int i = 2; !used.Add(candidate); i++)
                candidate = $"{slug}-{i}";
            slugs.Add(path, candidate);
        }
        return slugs;
    }
}

/// <summary>One line of a CDF plot or one bar: a variant's workload.</summary>
internal readonly record struct SeriesKey(string Variant, string Workload);

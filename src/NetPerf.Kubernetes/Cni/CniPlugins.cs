namespace NetPerf.Kubernetes.Cni;

/// <summary>
/// Every CNI plugin NetPerf builds: the one registration a new plugin adds (its kinds, declared beside its code).
/// The order is the one scenarios, the schema and messages list them in.
/// </summary>
public static class CniPlugins
{
    public static IReadOnlyList<CniPluginKind> All { get; } =
    [
        FlannelVxlan.Descriptor,
        FlannelHostGw.Descriptor,
        .. CalicoRouted.Descriptors,
        .. WeaveNet.Descriptors,
        .. Cilium.CiliumDatapath.Descriptors,
    ];

    public static IReadOnlyList<string> Names { get; } = [.. All.Select(k => k.Name)];

    private static readonly Dictionary<string, CniPluginKind> ByName = All.ToDictionary(k => k.Name, StringComparer.Ordinal);

    public static CniPluginKind? Find(string name) => ByName.GetValueOrDefault(name);

    /// <summary>The kind named <paramref name="name"/>; for names already validated (a scenario's), so an unknown one is a programming error.</summary>
    public static CniPluginKind Get(string name) => Find(name)
        ?? throw new ArgumentException($"unknown CNI plugin '{name}'; the plugins are: {string.Join(", ", Names)}.", nameof(name));
}

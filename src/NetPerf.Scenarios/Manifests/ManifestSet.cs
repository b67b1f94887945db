using k8s.Models;

namespace NetPerf.Scenarios.Manifests;

/// <summary>Every object of a set of manifests, in the order kubectl apply -f would create them (file order, document order).</summary>
public sealed class ManifestSet
{
    public static readonly ManifestSet Empty = new([], [], []);

    public ManifestSet(IReadOnlyList<ManifestObject> objects, IReadOnlyList<IgnoredObject> ignored, IReadOnlyList<string> files)
    {
        Objects = objects;
        Ignored = ignored;
        Files = files;
    }

    public IReadOnlyList<ManifestObject> Objects { get; }
    public IReadOnlyList<IgnoredObject> Ignored { get; }

    /// <summary>The files read, in the order read.</summary>
    public IReadOnlyList<string> Files { get; }

    public bool IsEmpty => Objects.Count == 0 && Ignored.Count == 0;

    public IEnumerable<ManifestObject> OfKind(string kind) => Objects.Where(o => o.Kind == kind);

    public IEnumerable<(ManifestObject At, T Object)> All<T>() where T : class =>
        Objects.Where(o => o.Object is T).Select(o => (o, (T)o.Object));

    /// <summary>The namespaces that exist: default, kube-system and those the manifests create.</summary>
    public IReadOnlyList<string> Namespaces =>
        [.. new[] { "default", "kube-system" }.Concat(All<V1Namespace>().Select(n => n.Object.Metadata.Name)).Distinct()];
}

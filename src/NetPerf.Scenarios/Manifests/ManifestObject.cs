using k8s;
using k8s.Models;
using YamlDotNet.RepresentationModel;

namespace NetPerf.Scenarios.Manifests;

/// <summary>
/// One object read from a manifest: KubernetesClient's typed object, where its document starts (file, line,
/// column), and its YAML, so that later checks (a nodeSelector that matches no node) can point at the line.
/// </summary>
public sealed record ManifestObject(string File, int Line, int Column, string Kind, string Namespace, string Name, IKubernetesObject<V1ObjectMeta> Object)
{
    /// <summary>The document's root mapping, for locating fields after reading.</summary>
    internal YamlNode? Yaml { get; init; }

    /// <summary>kind/name, or kind/namespace/name outside default, as kubectl prints an object.</summary>
    public string Id => ManifestKinds.ClusterScoped(Kind) || Namespace == "default" ? $"{Kind.ToLowerInvariant()}/{Name}" : $"{Kind.ToLowerInvariant()}/{Namespace}/{Name}";

    public T As<T>() where T : class => (T)Object;

    public override string ToString() => $"{Id} ({File}:{Line})";
}

/// <summary>An object of a kind the simulation does not use (a ConfigMap, a CRD's object), listed once with where it is.</summary>
public sealed record IgnoredObject(string File, int Line, string ApiVersion, string Kind, string Name)
{
    public override string ToString() => $"{File}:{Line}: {Kind} {Name} ({ApiVersion}) ignored: the simulation does not use this kind";
}

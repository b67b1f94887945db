using k8s;
using k8s.Models;

namespace NetPerf.Scenarios.Manifests;

/// <summary>
/// The kinds a manifest set may hold that the simulation uses, each with its API group and version and
/// KubernetesClient's type for it. Any other kind (a ConfigMap, a CRD's objects) is listed as ignored; a kind
/// named here under another version (extensions/v1beta1 Deployment) is refused as kubectl refuses it.
/// </summary>
public static class ManifestKinds
{
    public static readonly IReadOnlyDictionary<string, (string ApiVersion, Type Type)> Known = new Dictionary<string, (string, Type)>(StringComparer.Ordinal)
    {
        ["Namespace"] = ("v1", typeof(V1Namespace)),
        ["Node"] = ("v1", typeof(V1Node)),
        ["Pod"] = ("v1", typeof(V1Pod)),
        ["Service"] = ("v1", typeof(V1Service)),
        ["Deployment"] = ("apps/v1", typeof(V1Deployment)),
        ["StatefulSet"] = ("apps/v1", typeof(V1StatefulSet)),
        ["DaemonSet"] = ("apps/v1", typeof(V1DaemonSet)),
        ["ReplicaSet"] = ("apps/v1", typeof(V1ReplicaSet)),
        ["EndpointSlice"] = ("discovery.k8s.io/v1", typeof(V1EndpointSlice)),
        ["NetworkPolicy"] = ("networking.k8s.io/v1", typeof(V1NetworkPolicy)),
    };

    /// <summary>
    /// Every kind the API serves in the group versions the simulation reads (Kubernetes v1.34's built-in APIs), so a
    /// mistyped kind there (apps/v1 Deploymnet) is refused as kubectl refuses it, not ignored as a CRD's would be.
    /// </summary>
    public static readonly IReadOnlyDictionary<string, string[]> ServedKinds = new Dictionary<string, string[]>(StringComparer.Ordinal)
    {
        ["v1"] = ["Binding", "ComponentStatus", "ConfigMap", "Endpoints", "Event", "LimitRange", "List", "Namespace", "Node",
            "PersistentVolume", "PersistentVolumeClaim", "Pod", "PodTemplate", "ReplicationController", "ResourceQuota",
            "Secret", "Service", "ServiceAccount"],
        ["apps/v1"] = ["ControllerRevision", "DaemonSet", "Deployment", "ReplicaSet", "StatefulSet"],
        ["discovery.k8s.io/v1"] = ["EndpointSlice"],
        ["networking.k8s.io/v1"] = ["IPAddress", "Ingress", "IngressClass", "NetworkPolicy", "ServiceCIDR"],
    };

    /// <summary>KubernetesClient's own JSON serializer, for the kind's type (its converters read quantities, int-or-string and times as the API does).</summary>
    public static IKubernetesObject<V1ObjectMeta> Deserialize(string kind, string json) => kind switch
    {
        "Namespace" => KubernetesJson.Deserialize<V1Namespace>(json),
        "Node" => KubernetesJson.Deserialize<V1Node>(json),
        "Pod" => KubernetesJson.Deserialize<V1Pod>(json),
        "Service" => KubernetesJson.Deserialize<V1Service>(json),
        "Deployment" => KubernetesJson.Deserialize<V1Deployment>(json),
        "StatefulSet" => KubernetesJson.Deserialize<V1StatefulSet>(json),
        "DaemonSet" => KubernetesJson.Deserialize<V1DaemonSet>(json),
        "ReplicaSet" => KubernetesJson.Deserialize<V1ReplicaSet>(json),
        "EndpointSlice" => KubernetesJson.Deserialize<V1EndpointSlice>(json),
        "NetworkPolicy" => KubernetesJson.Deserialize<V1NetworkPolicy>(json),
        _ => throw new ArgumentOutOfRangeException(nameof(kind), kind, "not a kind the simulation reads"),
    };

    /// <summary>Kinds without a namespace: their metadata.namespace is not theirs to set.</summary>
    public static bool ClusterScoped(string kind) => kind is "Namespace" or "Node";
}

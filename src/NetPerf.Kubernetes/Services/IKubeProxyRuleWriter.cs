using NetPerf.Kubernetes.Cluster;

namespace NetPerf.Kubernetes.Services;

/// <summary>What a kube-proxy mode does in one sync: how much it writes to the kernel, and the rules it leaves there.</summary>
public interface IKubeProxyRuleWriter
{
    /// <summary>Programs a new Service on every node, with the endpoints its selector matches now.</summary>
    void Add(Service service);

    /// <summary>The Services this proxy has programmed.</summary>
    IReadOnlyList<Service> Services { get; }

    /// <summary>
    /// Lines (rules, chain headers, map elements or IPVS commands) the sync writes when <paramref name="changed"/>
    /// Services have these new endpoints: its cost grows with them.
    /// </summary>
    int SyncLines(IReadOnlyDictionary<Service, IReadOnlyList<Pod>> changed);

    /// <summary>Replaces the Service's endpoints in every node's rules, at once (the sync's commit).</summary>
    void ReplaceEndpoints(Service service, IReadOnlyList<Pod> endpoints);

    /// <summary>
    /// Lines the sync writes to delete a Service's rules (its chains' deletions), and deletes them from every
    /// node, at once (the sync's commit). Modelled by kube-proxy's own modes for ClusterIP and NodePort Services;
    /// a writer that is not kube-proxy (Cilium's replacement) says it does not model it.
    /// </summary>
    int RemoveLines(Service service) => throw new NotSupportedException($"Service {service.Name}: removing a Service while the run goes on is modelled for kube-proxy's own modes only.");

    /// <summary>
    /// Lines a sync writes, beyond a changed Service's chains (<see cref="SyncLines"/>), for a Service created
    /// since the last sync: its portal rules, and a NodePort's external rules, with <paramref name="endpoints"/>
    /// (the slice the sync reads). Modelled by kube-proxy's own modes for ClusterIP and NodePort Services; a
    /// writer that is not kube-proxy (Cilium's replacement) says it does not model it.
    /// </summary>
    int AddLines(Service service, IReadOnlyList<Pod> endpoints) => throw new NotSupportedException($"Service {service.Name}: adding a Service while the run goes on is modelled for kube-proxy's own modes only.");

    /// <summary>
    /// Lines a sync writes, beyond the Service's chains counted as a changed Service's (<see cref="SyncLines"/>),
    /// when its object is updated (a new externalTrafficPolicy): its external chains, with <paramref
    /// name="endpoints"/> as it will have them. Modelled by every kube-proxy mode; a writer that is not kube-proxy
    /// (Cilium's replacement) says it does not model it.
    /// </summary>
    int UpdateLines(Service old, Service updated, IReadOnlyList<Pod> endpoints) =>
        throw new NotSupportedException($"Service {old.Name}: changing a Service's externalTrafficPolicy while the run goes on is modelled for kube-proxy's own modes only.");

    /// <summary>
    /// The sync's commit of an updated Service: <paramref name="updated"/> takes <paramref name="old"/>'s place,
    /// and its rules are rebuilt by the <see cref="ReplaceEndpoints"/> that follows in the same sync.
    /// </summary>
    void Update(Service old, Service updated) =>
        throw new NotSupportedException($"Service {old.Name}: changing a Service's externalTrafficPolicy while the run goes on is modelled for kube-proxy's own modes only.");

    /// <inheritdoc cref="RemoveLines"/>
    void Remove(Service service) => throw new NotSupportedException($"Service {service.Name}: removing a Service while the run goes on is modelled for kube-proxy's own modes only.");
}

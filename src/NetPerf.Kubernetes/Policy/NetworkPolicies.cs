using NetPerf.Kubernetes.Cluster;

namespace NetPerf.Kubernetes.Policy;

/// <summary>
/// The cluster's NetworkPolicies as the API server holds them, and whether anything enforces them: the API
/// server accepts a policy whatever the CNI plugin, but only a plugin with a policy engine acts on it. Calico's
/// felix does (<see cref="CalicoPolicyRules"/>; the plugin's kind names its <see cref="PolicyEngine"/>); flannel has none, so on a flannel cluster every policy is
/// stored and has no effect, which <see cref="NotEnforcedReason"/> says in words a scenario can show.
/// </summary>
public sealed class NetworkPolicies
{
    private readonly List<NetworkPolicy> _policies = [];
    private readonly IPolicyRenderer? _engine;

    public NetworkPolicies(KubernetesCluster cluster)
    {
        Cluster = cluster;
        _engine = cluster.Cni.Kind.Policy?.Create(cluster);
        if (_engine is not null)
        {
            // Every engine watches pods as well as policies: felix gives a new workload endpoint its chains and puts
            // its address in the selectors' ipsets (and takes a deleted one's out), weave-npc updates its ipsets on
            // pod events, Cilium's agent gives a new endpoint its identity and policy map. Programmed at once here:
            // the engines' few milliseconds from the API event to the data plane are not modelled.
            cluster.PodAdded += _ => Sync();
            cluster.PodRemoved += _ => Sync();
        }
    }

    public KubernetesCluster Cluster { get; }
    public IReadOnlyList<NetworkPolicy> Policies => _policies;

    public bool IsEnforced => _engine is not null;

    /// <summary>Null where policies are enforced; otherwise why not.</summary>
    public string? NotEnforcedReason => IsEnforced
        ? null
        : $"{Cluster.Cni.Name} does not enforce NetworkPolicy: the API server accepts policies but nothing on the nodes acts on them, so every connection is allowed (pair flannel with Calico's policy engine, as canal does, to enforce them).";

    /// <summary>Creates a policy; enforced at once where the plugin enforces policies (felix recomputes every workload endpoint it selects), and from then on for the pods created or deleted later.</summary>
    public void Add(NetworkPolicy policy)
    {
        if (_policies.Any(p => p.Name == policy.Name))
        {
            throw new ArgumentException($"a NetworkPolicy named '{policy.Name}' already exists.", nameof(policy));
        }

        _policies.Add(policy);
        Sync();
    }

    /// <summary>
    /// Deletes a policy: the engine renders the remaining ones at once (the pods it alone selected go back to
    /// their namespace's default allow). False when no policy has that name.
    /// </summary>
    public bool Remove(string name)
    {
        if (_policies.RemoveAll(p => p.Name == name) == 0)
        {
            return false;
        }

        Sync();
        return true;
    }

    /// <summary>
    /// Whether the policies let <paramref name="from"/> open a connection to <paramref name="to"/> on
    /// <paramref name="protocol"/>/<paramref name="port"/> in the egress direction (NetworkPolicy's semantics, not
    /// a packet walk): true when no policy isolates the pod's egress, else when some isolating policy's rule allows it.
    /// </summary>
    public bool AllowsEgress(Pod from, Pod to, Network.Packets.IpProtocol protocol, ushort port)
    {
        var isolating = _policies.Where(p => p.IsolatesEgress(from)).ToList();
        return isolating.Count == 0 || isolating.Any(p => p.Egress.Any(r =>
            (r.To.Count == 0 || r.To.Any(peer => peer.Matches(to)))
            && (r.Ports.Count == 0 || r.Ports.Any(x => x.Allows(protocol, port)))));
    }

    /// <summary>Re-renders every policy for the pods that exist now (on each policy added, and each pod created or deleted).</summary>
    private void Sync() => _engine?.Render(_policies);
}

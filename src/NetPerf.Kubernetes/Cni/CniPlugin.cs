using NetPerf.Kubernetes.Cluster;
using NetPerf.Network.Addressing;
using NetPerf.Network.Devices;
using NetPerf.Network.Routing;
using NetPerf.Network.Topology;

namespace NetPerf.Kubernetes.Cni;

/// <summary>
/// A CNI plugin: what it builds on each node when the node joins, between the nodes once they are all known,
/// and for each pod (its veth pair, addresses and routes), exactly as the real plugin builds them.
/// </summary>
public abstract class CniPlugin
{
    /// <summary>What the plugin is: its name and the facts the rest of NetPerf reads (<see cref="CniPlugins"/>).</summary>
    public abstract CniPluginKind Kind { get; }

    /// <summary>The name scenario files use: one of <see cref="CniPlugins.Names"/>.</summary>
    public string Name => Kind.Name;

    /// <summary>
    /// Masquerade pod traffic leaving the cluster network to the node's address: flannel's --ip-masq
    /// (FLANNEL-POSTRTG), Calico's natOutgoing IP pool (cali-nat-outgoing), weave-kube's WEAVE chain. Both are on
    /// in the stock manifests on every node, and a scenario's cluster always has it (ClusterBuild); off unless set
    /// here, so that this layer's bare paths built without kube-proxy stay free of netfilter and keep their exact
    /// hops. Without it an outside host sees pod addresses it has no route back to. Set before the cluster is built.
    /// </summary>
    public bool MasqueradeOutgoing { get; set; }

    /// <summary>
    /// The masquerade rules' port option: <see cref="NatPortSelection.RandomFully"/> is <c>--random-fully</c>, which
    /// flanneld's masqRules and felix's MasqAction add when iptables has it (1.6.2 on) and kernel 3.14 on; without
    /// it (<see cref="NatPortSelection.KeepSource"/>, older iptables) a connection keeps its pod's source port when no
    /// other mapping holds it, the SNAT port race's condition. Set before the cluster is built.
    /// </summary>
    public Network.Netfilter.NatPortSelection MasqueradePorts { get; set; }

    /// <summary>
    /// The plugin's MTU setting, when an administrator gave one: what its pods' veths, bridge and tunnel device get
    /// instead of the node's MTU less the encapsulation's overhead (Calico's veth_mtu in calico-config and
    /// FelixConfiguration's vxlanMTU/ipipMTU; flannel's FLANNEL_MTU). Null: the plugin's own. Set before the
    /// cluster is built. The node's MTU on a tunnel plugin is the classic mistake (the overhead not subtracted).
    /// </summary>
    public int? Mtu { get; set; }

    /// <summary>The <c>df</c> setting of the VXLAN devices the plugin creates (the kernel's default, unset, unless set here). Set before the cluster is built.</summary>
    public VxlanDf VxlanDf { get; set; }

    /// <summary>The MTU the plugin gives pods on nodes of <paramref name="nodeMtu"/>: its setting, else the node's less its kind's overhead.</summary>
    public int PodMtu(int nodeMtu) => Mtu ?? Kind.PodMtu(nodeMtu);

    /// <summary>Per-node devices and addresses (cni0, flannel.1, tunl0...).</summary>
    public abstract void SetUpNode(Node node);

    /// <summary>
    /// Routes, neighbours and FDB entries towards every other node's pods, once every node is known. When the
    /// plugin names the ranges it routes to each node (<see cref="PodRangesRoutedTo"/>), they are held once for the
    /// cluster (<see cref="PeerRanges"/>) and what a node needs towards another is built the first time its
    /// forwarding table is asked about that node's range (every node's kernel holds the same routes, save to its
    /// own range: n(n - 1) of them, 25 M at 5,000 nodes); every node's route count is still all of them.
    /// </summary>
    public virtual void ConnectNodes(IReadOnlyList<Node> nodes)
    {
        if (TryShareRanges(nodes))
        {
            return;
        }

        foreach (var node in nodes)
        {
            foreach (var other in nodes)
            {
                if (other != node)
                {
                    RouteTowards(node, other);
                }
            }
        }
    }

    /// <summary>
    /// A node joined a running cluster (it is already set up): what the plugin's agents do when they see the new
    /// Node object, in both directions between it and each of <paramref name="others"/>.
    /// </summary>
    public virtual void JoinNode(Node joined, IReadOnlyList<Node> others)
    {
        foreach (var other in others)
        {
            if (other != joined)
            {
                RouteTowards(joined, other);
                RouteTowards(other, joined);
            }
        }
    }

    /// <summary>What <paramref name="node"/> needs to reach the pods of <paramref name="other"/>.</summary>
    protected abstract void RouteTowards(Node node, Node other);

    /// <summary>
    /// The prefixes <see cref="RouteTowards"/> routes to <paramref name="other"/>'s pods, exactly, when it builds
    /// nothing else that is looked up before a route to one of them is (its neighbour and FDB entries are reached
    /// only through such a route); null: the plugin's routes towards the other nodes are built eagerly.
    /// </summary>
    protected virtual IReadOnlyList<Ipv4Prefix>? PodRangesRoutedTo(Node other) => null;

    /// <summary>
    /// Hold the nodes' pod ranges once for the cluster and build each node's routes towards another node on first
    /// use (the default); false builds every node's routes to every other node eagerly, as before: the same tables,
    /// for comparison. Set before the cluster is built.
    /// </summary>
    public bool ShareNodeRanges { get; set; } = true;

    /// <summary>Shares the nodes' pod ranges (<see cref="ConnectNodes"/>); false, building nothing, when the plugin does not name them.</summary>
    private bool TryShareRanges(IReadOnlyList<Node> nodes)
    {
        if (!ShareNodeRanges || nodes.Count < 2 || nodes.Any(n => n.Root.Fib.SharesRanges))
        {
            return false;
        }

        var ranges = new List<(int, Ipv4Prefix)>();
        foreach (var node in nodes)
        {
            if (PodRangesRoutedTo(node) is not { } prefixes)
            {
                return false;
            }

            ranges.AddRange(prefixes.Select(p => (node.Index, p)));
        }

        int maxIndex = nodes.Max(n => n.Index);
        var byIndex = new Node[maxIndex + 1];
        foreach (var node in nodes)
        {
            byIndex[node.Index] = node;
        }

        var shared = new PeerRanges(ranges, maxIndex);
        foreach (var node in nodes)
        {
            node.Root.Fib.ShareRanges(shared, node.Index, peer => RouteTowards(node, byIndex[peer]));
        }

        return true;
    }

    /// <summary>
    /// The prefixes <paramref name="node"/> announces to the fabric's routers, so that they route them to it: none
    /// for an overlay, the node's block for Calico without encapsulation (its BGP peering with its top-of-rack
    /// router). Only a fabric of racks has routers to tell.
    /// </summary>
    public virtual IEnumerable<Ipv4Prefix> AnnouncedToFabric(Node node) => [];

    /// <summary>
    /// A node took a further range of pod addresses after the cluster was connected (a Calico node claiming another
    /// block): its owner's routing agents and the fabric (for what <see cref="AnnouncedToFabric"/> lists) must
    /// learn it. Raised after the plugin's own routes to it are in place.
    /// </summary>
    public event Action<Node, Ipv4Prefix>? PodRangeAdded;

    protected void OnPodRangeAdded(Node node, Ipv4Prefix range) => PodRangeAdded?.Invoke(node, range);

    /// <summary>The pod's address on <paramref name="node"/> for its <paramref name="ordinal"/>-th pod (1-based).</summary>
    public abstract Ipv4Address PodAddress(Node node, int ordinal);

    /// <summary>The name of the node's end of the <paramref name="podNumber"/>-th pod's veth: the bridge plugin's veth + 8 hex digits unless the plugin names its own.</summary>
    public virtual string HostEndName(int podNumber) => $"veth{podNumber:x8}";

    /// <summary>Wires a pod's namespace to its node: the veth pair, the pod's address and routes, the node's side.</summary>
    public abstract VethDevice AddPod(Node node, NetworkNamespace pod, Ipv4Address ip, string hostEnd);

    /// <summary>
    /// A Service was created (with its endpoints as they are now): what the plugin's agent does when it sees it,
    /// whatever kube-proxy does beside it. Nothing, unless the plugin load-balances Services itself (Cilium).
    /// </summary>
    public virtual void ServiceAdded(KubernetesCluster cluster, Services.Service service)
    {
    }

    /// <summary>A Service's endpoints changed (kube-proxy's sync committed them): nothing, unless the plugin load-balances Services itself.</summary>
    public virtual void ServiceEndpointsChanged(KubernetesCluster cluster, Services.Service service, IReadOnlyList<Pod> endpoints)
    {
    }

    /// <summary>
    /// The plugin's agent load-balances Services itself in place of kube-proxy (Cilium's kube-proxy replacement):
    /// kube-proxy is not run, so no node gets its rules (<see cref="Services.KubeProxyMode.Start"/>).
    /// </summary>
    public virtual bool ReplacesKubeProxy => false;

    /// <summary>Every plugin's name, in the registry's order.</summary>
    public static IReadOnlyList<string> Names => CniPlugins.Names;

    /// <summary>A fresh plugin of the kind named <paramref name="name"/> (<see cref="CniPlugins"/>).</summary>
    public static CniPlugin ByName(string name) => CniPlugins.Get(name).Create();

    public override string ToString() => Name;
}

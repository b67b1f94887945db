using NetPerf.Kubernetes.Cluster;
using NetPerf.Network.Addressing;
using NetPerf.Network.Devices;
using NetPerf.Network.Topology;

namespace NetPerf.Kubernetes.Cni;

/// <summary>
/// A CNI plugin: what it builds on each node when the node joins, between the nodes once they are all known,
/// and for each pod (its veth pair, addresses and routes), exactly as the real plugin builds them.
/// </summary>
public abstract class CniPlugin
{
    /// <summary>The name scenario files use: one of <see cref="Names"/>.</summary>
    public abstract string Name { get; }

    /// <summary>
    /// Masquerade pod traffic leaving the cluster network to the node's address: flannel's --ip-masq
    /// (FLANNEL-POSTRTG), Calico's natOutgoing IP pool (cali-nat-outgoing). Both are on in the stock manifests;
    /// off unless set here, so that paths built without kube-proxy stay free of netfilter and keep their exact
    /// hops. Without it an outside host sees pod addresses it has no route back to. Set before the cluster is built.
    /// </summary>
    public bool MasqueradeOutgoing { get; set; }

    /// <summary>The MTU the plugin gives pods on nodes of <paramref name="nodeMtu"/>.</summary>
    public abstract int PodMtu(int nodeMtu);

    /// <summary>Per-node devices and addresses (cni0, flannel.1, tunl0...).</summary>
    public abstract void SetUpNode(Node node);

    /// <summary>Routes, neighbours and FDB entries towards every other node's pods, once every node is known.</summary>
    public virtual void ConnectNodes(IReadOnlyList<Node> nodes)
    {
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
    /// The prefixes <paramref name="node"/> announces to the fabric's routers, so that they route them to it: none
    /// for an overlay, the node's block for Calico without encapsulation (its BGP peering with its top-of-rack
    /// router). Only a fabric of racks has routers to tell.
    /// </summary>
    public virtual IEnumerable<Ipv4Prefix> AnnouncedToFabric(Node node) => [];

    /// <summary>The pod's address on <paramref name="node"/> for its <paramref name="ordinal"/>-th pod (1-based).</summary>
    public abstract Ipv4Address PodAddress(Node node, int ordinal);

    /// <summary>Wires a pod's namespace to its node: the veth pair, the pod's address and routes, the node's side.</summary>
    public abstract VethDevice AddPod(Node node, NetworkNamespace pod, Ipv4Address ip, string hostEnd);

    /// <summary>Every plugin <see cref="ByName"/> builds, by the name scenario files use.</summary>
    public static IReadOnlyList<string> Names { get; } =
    [
        "flannel-vxlan", "flannel-host-gw", "calico-bgp", "calico-ipip", "calico-vxlan", "calico-ipip-crosssubnet", "calico-vxlan-crosssubnet",
    ];

    public static CniPlugin ByName(string name) => name switch
    {
        "flannel-vxlan" => new FlannelVxlan(),
        "flannel-host-gw" => new FlannelHostGw(),
        "calico-bgp" => new CalicoRouted(ipip: false),
        "calico-ipip" => new CalicoRouted(ipip: true),
        "calico-vxlan" => new CalicoRouted(CalicoEncapsulation.Vxlan),
        "calico-ipip-crosssubnet" => new CalicoRouted(CalicoEncapsulation.Ipip, CalicoEncapsulationMode.CrossSubnet),
        "calico-vxlan-crosssubnet" => new CalicoRouted(CalicoEncapsulation.Vxlan, CalicoEncapsulationMode.CrossSubnet),
        _ => throw new ArgumentException($"unknown CNI plugin '{name}'; the plugins are: {string.Join(", ", Names)}.", nameof(name)),
    };

    public override string ToString() => Name;
}

using NetPerf.Network.Addressing;
using NetPerf.Network.Devices;
using NetPerf.Network.Topology;

namespace NetPerf.Kubernetes.Cluster;

/// <summary>A Kubernetes node: a Linux host with eth0 on the fabric, its pod CIDR, and its pods.</summary>
public sealed class Node(int index, Host host, NetDevice eth0, Ipv4Address ip, Ipv4Prefix podCidr)
{
    private readonly List<Pod> _pods = [];

    /// <summary>1-based, as in node1, node2.</summary>
    public int Index { get; } = index;

    public string Name => Host.Name;
    public Host Host { get; } = host;
    public NetworkNamespace Root => Host.Root;
    /// <summary>The node's interface on the fabric: a physical NIC on a switch, or a veth to the host's bridge on kind.</summary>
    public NetDevice Eth0 { get; } = eth0;

    /// <summary>The node's physical NIC, when it has one (not on a kind fabric).</summary>
    public PhysicalNic? Nic => Eth0 as PhysicalNic;
    public Ipv4Address Ip { get; } = ip;

    /// <summary>The rack the node is in, 1-based (always 1 on a single switch; see <see cref="ClusterOptions.Racks"/>).</summary>
    public int Rack { get; init; } = 1;

    /// <summary>
    /// Its topology.kubernetes.io/zone label, or null without one: what the EndpointSlice controller copies into
    /// each endpoint's zone and kube-proxy compares with its own node's (pkg/proxy/topology.go).
    /// </summary>
    public string? Zone { get; set; }

    /// <summary>The node's subnet on eth0: the one L2 segment it shares with the other nodes of its rack.</summary>
    public Ipv4Prefix Subnet { get; init; }

    /// <summary>The node's default gateway: the fabric's router (with racks, its top-of-rack router).</summary>
    public Ipv4Address Gateway { get; init; }

    /// <summary>Whether <paramref name="other"/> is on this node's L2 segment, so reachable without a router.</summary>
    public bool SharesSubnetWith(Node other) => Subnet.Contains(other.Ip);

    /// <summary>The cluster's pod range (kube-controller-manager's --cluster-cidr), which this node's block is cut from.</summary>
    public Ipv4Prefix ClusterCidr { get; init; } = Ipv4Prefix.Parse(KubernetesCluster.DefaultClusterCidr);

    /// <summary>The pod address block IPAM gave this node (10.244.N.0/24).</summary>
    public Ipv4Prefix PodCidr { get; } = podCidr;

    public IReadOnlyList<Pod> Pods => _pods;

    /// <summary>The node failed hard (<see cref="KubernetesCluster.FailNode"/>): no carrier, no processes.</summary>
    public bool Failed { get; internal set; }

    /// <summary>
    /// spec.unschedulable (kubectl cordon, and the first step of kubectl drain): the scheduler places no new pod
    /// here (the node.kubernetes.io/unschedulable:NoSchedule taint); pods already here stay.
    /// </summary>
    public bool Unschedulable { get; set; }

    /// <summary>
    /// The node lifecycle controller saw no heartbeat for the grace period: Ready is Unknown and the node carries
    /// the node.kubernetes.io/unreachable taints (NoSchedule keeps new pods off it, NoExecute evicts its pods once
    /// their toleration runs out).
    /// </summary>
    public bool Unreachable { get; set; }

    /// <summary>The taint's key (k8s.io/api/core/v1 TaintNodeUnreachable); the node lifecycle controller gives it no value.</summary>
    public const string UnreachableTaint = "node.kubernetes.io/unreachable";

    /// <summary>Whether kube-scheduler may place a new pod here (NodeUnschedulable and TaintToleration filters).</summary>
    public bool Schedulable => !Unschedulable && !Unreachable;

    internal void Add(Pod pod) => _pods.Add(pod);

    /// <summary>The n-th address of the pod CIDR (1 is the gateway on flannel's cni0).</summary>
    public Ipv4Address PodAddress(int n) => new(PodCidr.Network.Value + (uint)n);

    public override string ToString() => $"{Name} ({Ip}, pods {PodCidr})";
}

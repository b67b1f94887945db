using NetPerf.Network.Addressing;
using NetPerf.Network.Devices;
using NetPerf.Network.Topology;

namespace NetPerf.Kubernetes.Cluster;

/// <summary>
/// A pod: one network namespace, shared by its containers through the infra (pause) container, so containers of
/// one pod reach each other on localhost; one IP from its node's pod CIDR on eth0. A hostNetwork pod has none of
/// that: it runs in the node's root namespace, with the node's IP and no veth (<see cref="Eth0"/> is null).
/// </summary>
public sealed class Pod(string name, Node node, NetworkNamespace ns, Ipv4Address ip, VethDevice? eth0, IReadOnlyDictionary<string, string> labels)
{
    public string Name { get; } = name;
    public Node Node { get; } = node;
    public NetworkNamespace Namespace { get; } = ns;
    public Ipv4Address Ip { get; } = ip;
    /// <summary>The pod's end of its veth pair; null for a hostNetwork pod.</summary>
    public VethDevice? Eth0 { get; } = eth0;

    /// <summary>spec.hostNetwork: the pod shares the node's root namespace and address.</summary>
    public bool HostNetwork => Eth0 is null;

    /// <summary>The host end of the pod's veth pair (vethXXXX on a bridge, or caliXXXX); null for a hostNetwork pod.</summary>
    public VethDevice? HostEnd => Eth0?.Peer;

    public IReadOnlyDictionary<string, string> Labels { get; } = labels;

    /// <summary>
    /// The Ready condition: its containers started and its readiness probe passed. Pods are created Ready unless
    /// a controller says otherwise (<see cref="KubernetesCluster.AddPod"/>'s ready argument).
    /// </summary>
    public bool Ready { get; internal set; } = true;

    /// <summary>
    /// metadata.deletionTimestamp is set (<see cref="KubernetesCluster.BeginTermination"/>): the pod is shutting
    /// down through its grace period, and its EndpointSlice entry says terminating.
    /// </summary>
    public bool Terminating { get; internal set; }

    /// <summary>Deleted from the API (<see cref="KubernetesCluster.RemovePod"/>): in no selector's answer, though its network lives on through the grace period.</summary>
    public bool Deleted { get; internal set; }

    public override string ToString() => $"{Name} ({Ip} on {Node.Name})";
}

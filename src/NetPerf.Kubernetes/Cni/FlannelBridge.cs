using NetPerf.Kubernetes.Cluster;
using NetPerf.Network.Addressing;
using NetPerf.Network.Devices;
using NetPerf.Network.Topology;

namespace NetPerf.Kubernetes.Cni;

/// <summary>
/// What every flannel backend shares (the bridge CNI plugin that flannel delegates to): a cni0 bridge holding
/// the node's pod CIDR's first address, each pod on a veth whose host end is a cni0 port, pods routing
/// everything via cni0's address.
/// </summary>
public abstract class FlannelBridge : CniPlugin
{
    private readonly Dictionary<Node, BridgeDevice> _cni0 = [];

    public BridgeDevice Cni0(Node node) => _cni0[node];

    public override void SetUpNode(Node node)
    {
        node.Root.IpForward = true;
        var cni0 = new BridgeDevice(node.Root, "cni0", mtu: PodMtu(node.Eth0.Mtu));
        node.Root.AddAddress(cni0, node.PodAddress(1), node.PodCidr.Length);
        _cni0[node] = cni0;
        if (MasqueradeOutgoing)
        {
            FlannelIpMasq.Install(node, MasqueradePorts);
        }
    }

    public override Ipv4Address PodAddress(Node node, int ordinal)
    {
        if (ordinal > Kind.PodsPerNode(node.PodCidr.Length))
        {
            throw new InvalidOperationException(
                $"{node.Name}'s pod CIDR {node.PodCidr} holds {Kind.PodsPerNode(node.PodCidr.Length)} pods (less the network address, cni0's {node.PodAddress(1)} and the broadcast address).");
        }

        return node.PodAddress(ordinal + 1); // .1 is cni0
    }

    /// <summary>Every backend routes one range to each other node: its pod CIDR.</summary>
    protected override IReadOnlyList<Ipv4Prefix>? PodRangesRoutedTo(Node other) => [other.PodCidr];

    public override VethDevice AddPod(Node node, NetworkNamespace pod, Ipv4Address ip, string hostEnd)
    {
        var (eth0, host) = VethDevice.CreatePair(pod, "eth0", node.Root, hostEnd, mtu: PodMtu(node.Eth0.Mtu));
        _cni0[node].Enslave(host);
        _cni0[node].HairpinPorts.Add(host); // the bridge plugin's hairpinMode: true, so a pod can reach itself through its Service
        pod.AddAddress(eth0, ip, node.PodCidr.Length);
        pod.AddRoute("0.0.0.0/0", eth0, via: node.PodAddress(1).ToString());
        return eth0;
    }
}

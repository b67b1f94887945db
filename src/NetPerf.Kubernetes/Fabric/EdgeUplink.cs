using NetPerf.Network.Addressing;
using NetPerf.Network.Devices;
using NetPerf.Network.Links;
using NetPerf.Network.Topology;

namespace NetPerf.Kubernetes.Fabric;

/// <summary>
/// The cluster's edge on a single switch, built as a ToR's L3 side (<see cref="TopOfRackRouter"/>): the nodes'
/// default gateway (.254 of the node subnet's last /24) as a switched virtual interface on the switch's bridge,
/// routing in hardware to a routed port towards the world outside, 198.51.100.0/24 (TEST-NET-2, RFC 5737: the
/// port .1, a remote host .10). Nothing there knows the pod network: a pod reaches the remote host only with its
/// node's address (the plugin's masquerade), and the remote host reaches the cluster only at the nodes' own
/// addresses (NodePorts). A free cost table, as the switch's: only serialisation and port buffers cost anything.
/// </summary>
public sealed class EdgeUplink
{
    /// <summary>The outside network behind the edge.</summary>
    public const string OutsideSubnet = "198.51.100.0/24";

    private readonly L2Switch _switch;

    internal EdgeUplink(L2Switch sw, Ipv4Address gateway, int nodePrefixLength)
    {
        _switch = sw;
        var root = sw.Host.Root;
        root.IpForward = true;
        root.AddAddress(sw.Bridge, gateway, nodePrefixLength);
        var outside = Ipv4Prefix.Parse(OutsideSubnet);
        Port = new PhysicalNic(root, "uplink", mtu: 9216, receiveQueues: 1) { ForwardsPerFrame = true };
        root.AddAddress(Port, outside[1], outside.Length);
    }

    /// <summary>The routed port the remote host is cabled to.</summary>
    public PhysicalNic Port { get; }

    /// <summary>The remote host's address: 198.51.100.10.</summary>
    public static Ipv4Address RemoteAddress => Ipv4Prefix.Parse(OutsideSubnet)[10];

    /// <summary>Cables a host's NIC to the routed port: the host is .10, its default route via the port (.1).</summary>
    internal void Connect(PhysicalNic nic)
    {
        var outside = Ipv4Prefix.Parse(OutsideSubnet);
        nic.Namespace.AddAddress(nic, RemoteAddress, outside.Length);
        nic.Namespace.AddRoute("0.0.0.0/0", nic, via: outside[1].ToString());
        // As the switch's own ports: the host's qdisc in packets, the router's port buffer in frames.
        PhysicalNic.Connect(nic, Port, _switch.BitsPerSecond, _switch.Propagation, L2Switch.HostQueuePackets, QueueUnit.Packets, _switch.PortBufferFrames, QueueUnit.Frames);
    }
}

using NetPerf.Network.Addressing;
using NetPerf.Network.Cpu;
using NetPerf.Network.Devices;
using NetPerf.Network.Topology;

namespace NetPerf.Kubernetes.Fabric;

/// <summary>
/// The Docker network a kind cluster's node containers sit on: a Linux bridge in the host's own namespace, one
/// veth per container (its eth0 inside the container, the peer enslaved to the bridge). There is no NIC and no
/// wire: a frame between nodes costs veth transmits and a bridge forward, all on the host's cores, which every
/// node shares. Docker loads br_netfilter and sets net.bridge.bridge-nf-call-iptables=1, so every frame the bridge
/// forwards also crosses the host's PREROUTING, FORWARD and POSTROUTING hooks and conntrack (moby
/// libnetwork/drivers/bridge: setupBridgeNetFiltering); <see cref="BridgeNetfilter"/> turns that off, as
/// <c>sysctl net.bridge.bridge-nf-call-iptables=0</c> would.
/// </summary>
public sealed class KindNetwork
{
    private readonly BridgeDevice _bridge;
    private int _ports;

    public KindNetwork(Testbed bed, CostTable costs, int cores, Ipv4Address gateway, int prefixLength, int mtu, bool bridgeNetfilter = true)
    {
        Host = new Host(bed, "kind-host", costs, cores);
        _bridge = new BridgeDevice(Host.Root, "kind", mtu) { CallIptables = bridgeNetfilter };
        Host.Root.AddAddress(_bridge, gateway, prefixLength);
        if (bridgeNetfilter)
        {
            // Docker's FORWARD rules are in the filter table, so conntrack is loaded and every bridged frame is tracked;
            // one rule stands for them (calibrate's kind host has the same one: -m conntrack --ctstate INVALID -j DROP).
            Host.Root.EnableNetfilter().FilterForward.Append(new Network.Netfilter.Rule
            {
                Destination = Ipv4Prefix.Parse("255.255.255.255/32"),
                Target = Network.Netfilter.RuleTarget.Drop,
                Comment = "stands for Docker's FORWARD rules (DOCKER-USER, DOCKER-ISOLATION-STAGE-1, ...): never matches",
            });
        }

        BridgeNetfilter = bridgeNetfilter;
    }

    /// <summary>The machine that runs the containers: its cores are the nodes' cores.</summary>
    public Host Host { get; }

    /// <summary>br_netfilter on the bridge (Docker's default: on).</summary>
    public bool BridgeNetfilter { get; }

    /// <summary>A container on the network: its eth0, the peer enslaved to the bridge, named as Docker names it (veth + 7 hex digits).</summary>
    public VethDevice Connect(NetworkNamespace container, int mtu)
    {
        var (eth0, peer) = VethDevice.CreatePair(container, "eth0", Host.Root, $"veth{++_ports:x7}", mtu);
        _bridge.Enslave(peer);
        return eth0;
    }
}

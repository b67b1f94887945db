using NetPerf.Network.Addressing;
using NetPerf.Network.Stack;

namespace NetPerf.Network.Devices;

/// <summary>
/// A tunnel device in metadata mode (<c>ip link add ... external</c>, collect_md): one device for every remote
/// endpoint, whose outer destination and key each packet brings with it (a tc BPF program's
/// bpf_skb_set_tunnel_key, an Open vSwitch set(tunnel(...)) action) instead of the device's own FDB or remote.
/// </summary>
public interface IMetadataTunnel
{
    /// <summary>Encapsulates the packet for <paramref name="remote"/> with key <paramref name="vni"/> and sends the outer packet through the device's namespace, as the node's own.</summary>
    void TransmitTo(ref PacketWalk walk, Ipv4Address remote, uint vni);
}

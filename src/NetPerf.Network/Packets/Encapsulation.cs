using NetPerf.Network.Addressing;

namespace NetPerf.Network.Packets;

/// <summary>
/// The outer headers of a tunnelled packet. The inner packet keeps its own tuple; the outer tuple is what the
/// underlay (routing, RSS at the receiving NIC, netfilter on the node) sees. VXLAN, Geneve and Weave's sleeve also
/// carry the inner Ethernet header, whose addresses come back when the packet is decapsulated.
/// </summary>
public readonly record struct Encapsulation(
    EncapsulationKind Kind,
    FiveTuple Outer,
    uint Vni,
    MacAddress InnerSourceMac = default,
    MacAddress InnerDestinationMac = default)
{
    public static readonly Encapsulation None = default;

    /// <summary>Bytes the encapsulation adds to the inner IP packet (row MTU-20).</summary>
    public int Overhead => Kind switch
    {
        EncapsulationKind.Vxlan => HeaderSizes.VxlanOverhead,
        EncapsulationKind.Geneve => HeaderSizes.GeneveOverhead,
        EncapsulationKind.IpInIp => HeaderSizes.IpIpOverhead,
        EncapsulationKind.Sleeve => HeaderSizes.SleeveOverhead,
        _ => 0,
    };

    /// <summary>
    /// The outer UDP source port Linux picks for a tunnelled flow: include/net/udp.h udp_flow_src_port(),
    /// the inner flow's hash folded (hash ^= hash &lt;&lt; 16) and scaled into [min, max). The default range is the
    /// local port range, 32768-60999 (net.ipv4.ip_local_port_range), as the vxlan driver uses when unset.
    /// One inner flow keeps one outer port; different inner flows spread over the range, so the receiving NIC's
    /// RSS spreads them over queues.
    /// </summary>
    public static ushort UdpFlowSourcePort(uint innerFlowHash, ushort min = 32768, ushort max = 61000)
    {
        uint hash = innerFlowHash ^ (innerFlowHash << 16);
        return (ushort)((((ulong)hash * (uint)(max - min)) >> 32) + min);
    }
}

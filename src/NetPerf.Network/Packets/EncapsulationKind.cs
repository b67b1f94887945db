namespace NetPerf.Network.Packets;

public enum EncapsulationKind : byte
{
    None,

    /// <summary>VXLAN (RFC 7348): outer IPv4 + UDP + VXLAN header + the inner Ethernet frame.</summary>
    Vxlan,

    /// <summary>Geneve (RFC 8926): outer IPv4 + UDP + the Geneve header (and its options) + the inner Ethernet frame.</summary>
    Geneve,

    /// <summary>IP-in-IP (RFC 2003): an outer IPv4 header, protocol 4.</summary>
    IpInIp,
}

namespace NetPerf.Network.Packets;

public enum EncapsulationKind : byte
{
    None,

    /// <summary>VXLAN (RFC 7348): outer IPv4 + UDP + VXLAN header + the inner Ethernet frame.</summary>
    Vxlan,

    /// <summary>IP-in-IP (RFC 2003): an outer IPv4 header, protocol 4.</summary>
    IpInIp,
}

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

    /// <summary>
    /// Weave Net's sleeve (weaveworks/weave router/sleeve.go, site/tasks/manage/sleeve-encapsulation): outer IPv4 + UDP
    /// (port 6783), the sending peer's name, then per frame the capturing and destination peers' names and the
    /// frame's length, and the captured Ethernet frame. Built by the weaver in user space, not by the kernel.
    /// </summary>
    Sleeve,
}

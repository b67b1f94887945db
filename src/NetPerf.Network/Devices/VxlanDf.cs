namespace NetPerf.Network.Devices;

/// <summary>
/// The DF bit of a VXLAN device's outer IP header: <c>ip link add ... type vxlan df {unset|set|inherit}</c>
/// (IFLA_VXLAN_DF; drivers/net/vxlan/vxlan_core.c vxlan_xmit_one). Without DF a node may fragment the outer
/// packet; with it a packet too large for the underlay is dropped.
/// </summary>
public enum VxlanDf
{
    /// <summary>VXLAN_DF_UNSET, the kernel's default: the outer header never has DF.</summary>
    Unset,

    /// <summary>VXLAN_DF_SET: always DF.</summary>
    Set,

    /// <summary>VXLAN_DF_INHERIT: DF when the inner IPv4 header has it (always for IPv6).</summary>
    Inherit,
}

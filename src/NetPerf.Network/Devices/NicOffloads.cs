namespace NetPerf.Network.Devices;

/// <summary>
/// A physical NIC's offload features, as <c>ethtool -k</c> names them. All on by default, as on the 10 GbE NICs
/// of measurements.md row D20 ("every D20 figure was taken with NIC offloads on").
/// </summary>
[Flags]
public enum NicOffloads
{
    None = 0,

    /// <summary>tcp-segmentation-offload: the NIC cuts a TCP super-packet into frames; without it software GSO does, per segment, on the sending core.</summary>
    Tso = 1,

    /// <summary>tx-udp_tnl-segmentation (and tx-ipxip4-segmentation): TSO also for packets inside VXLAN or IP-in-IP.</summary>
    TunnelSegmentation = 2,

    /// <summary>
    /// generic-receive-offload: the segments of a burst are merged, so the stack above the driver runs once per
    /// aggregate. Modelled for the segments of one GSO packet (they arrive back to back); separately sent packets
    /// of a flow are not merged.
    /// </summary>
    Gro = 4,

    All = Tso | TunnelSegmentation | Gro,
}

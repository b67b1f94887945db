namespace NetPerf.Network.Packets;

/// <summary>
/// Header and framing sizes in bytes, as they appear on the wire. Sources: IEEE 802.3 (Ethernet header, FCS,
/// minimum frame, preamble + start delimiter + inter-frame gap), RFC 791 (IPv4), RFC 768 (UDP), RFC 9293 (TCP),
/// RFC 7323 (the 12-byte timestamp option Linux sends by default: net.ipv4.tcp_timestamps=1), RFC 7348 (VXLAN),
/// RFC 8926 (Geneve),
/// RFC 2003 (IP-in-IP); measurements.md row MTU-20 for the encapsulation overheads.
/// </summary>
public static class HeaderSizes
{
    public const int Ethernet = 14;
    public const int FrameCheckSequence = 4;

    /// <summary>Frames shorter than this (header to FCS) are padded.</summary>
    public const int MinimumFrame = 64;

    /// <summary>Preamble 7 + start-of-frame delimiter 1 + inter-frame gap 12: on the wire, not in the frame.</summary>
    public const int PreambleAndGap = 20;

    public const int Ipv4 = 20;
    public const int Udp = 8;
    public const int Tcp = 20;
    public const int TcpTimestampsOption = 12;
    public const int Vxlan = 8;

    /// <summary>Outer IPv4 20 + UDP 8 + VXLAN 8 + the inner Ethernet header 14 (row MTU-20): 1450 inside 1500.</summary>
    public const int VxlanOverhead = Ipv4 + Udp + Vxlan + Ethernet;

    /// <summary>Geneve's base header (RFC 8926 section 3.4): version, option length, flags, protocol type, VNI; options follow in 4-byte words.</summary>
    public const int Geneve = 8;

    /// <summary>
    /// Outer IPv4 20 + UDP 8 + Geneve 8 + the inner Ethernet header 14, with no options: drivers/net/geneve.c's
    /// GENEVE_IPV4_HLEN (ETH_HLEN + sizeof(struct iphdr) + GENEVE_BASE_HLEN, the last UDP + genevehdr), the same
    /// 50 bytes as VXLAN's. Options add their length (opt_len counts 4-byte words); Cilium sends none but the
    /// 12-byte DSR option of its Geneve dispatch (pkg/mtu DsrTunnelOverhead), which NetPerf does not build.
    /// </summary>
    public const int GeneveOverhead = Ipv4 + Udp + Geneve + Ethernet;

    /// <summary>An outer IPv4 header (row MTU-20).</summary>
    public const int IpIpOverhead = Ipv4;

    /// <summary>A Weave peer's name in sleeve's headers: a MAC address (weaveworks/weave router/peer_name_mac.go NameSize).</summary>
    public const int WeavePeerName = 6;

    /// <summary>
    /// Weave's sleeve for one frame in a datagram (weaveworks/weave router/sleeve.go overheadDF = UDPOverhead +
    /// PacketOverhead + FrameOverhead + EthernetOverhead, unencrypted: router/crypto.go NonEncryptor): outer IPv4
    /// 20 + UDP 8 (UDPOverhead 28), the sending peer's name 6 (PacketOverhead, the encryptor's prefix), the
    /// capturing and destination peers' names and the frame's 2-byte length (FrameOverhead 6 + 6 + 2), and the
    /// captured frame's Ethernet header 14 (EthernetOverhead): 62, so a 1376-byte pod packet is a 1438-byte datagram.
    /// </summary>
    public const int SleeveOverhead = Ipv4 + Udp + WeavePeerName + WeavePeerName + WeavePeerName + 2 + Ethernet;

    /// <summary>Bytes of an Ethernet frame carrying an IP packet of <paramref name="ipLength"/> bytes, FCS included, padded to 64.</summary>
    public static int FrameBytes(int ipLength) => Math.Max(MinimumFrame, Ethernet + ipLength + FrameCheckSequence);

    /// <summary>Bytes a frame occupies on the wire: the frame plus preamble and inter-frame gap.</summary>
    public static int WireBytes(int ipLength) => FrameBytes(ipLength) + PreambleAndGap;
}

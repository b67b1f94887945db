using NetPerf.Network.Addressing;

namespace NetPerf.Network.Packets;

/// <summary>
/// A packet: headers by size, never payload bytes. Lives in a <see cref="PacketPool"/> and is passed around by
/// index, so moving one through a path allocates nothing.
/// </summary>
public struct Packet
{
    /// <summary>The (inner) IP flow.</summary>
    public FiveTuple Flow;

    /// <summary>Application bytes carried.</summary>
    public int PayloadBytes;

    /// <summary>UDP 8, TCP 20 plus options (32 with timestamps, as Linux sends), ICMP 8.</summary>
    public int TransportHeaderBytes;

    /// <summary>TTL of the inner (or only) IP header.</summary>
    public byte Ttl;

    /// <summary>TTL of the outer IP header while tunnelled.</summary>
    public byte OuterTtl;

    /// <summary>DF in the inner (or only) IP header: Linux TCP always sets it (path MTU discovery).</summary>
    public bool DontFragment;

    /// <summary>
    /// DF in the outer IP header while tunnelled: what the tunnel device chose (VXLAN's <c>df</c> setting, IP-in-IP
    /// copying the inner DF). Without it a node may fragment the outer packet.
    /// </summary>
    public bool OuterDontFragment;

    /// <summary>
    /// Bytes of IPv4 options after the 20-byte header: 8 while Cilium's DSR option rides the packet (dsr_opt_v4:
    /// type, length, the Service frontend's port and address, <see cref="DsrAddress"/> and <see cref="DsrPort"/>).
    /// </summary>
    public int IpOptionBytes;

    /// <summary>The Service frontend a DSR option carries to the backend's node, which answers the client from it.</summary>
    public Ipv4Address DsrAddress;
    public ushort DsrPort;

    /// <summary>Outer headers while tunnelled.</summary>
    public Encapsulation Encapsulation;

    /// <summary>Picoseconds at which the sender handed it to the stack: latency is arrival minus this.</summary>
    public long SentAtPs;

    /// <summary>
    /// Picoseconds at which the last frame of this packet has arrived (or will have) at the box now holding it,
    /// set by the link that brought it. A switch takes a GSO burst when its first frame is in and forwards frame
    /// by frame (see <see cref="Links.Link"/>), so its egress must not finish before this plus one frame.
    /// </summary>
    public long LastFrameArrivalPs;

    /// <summary>The workload's flow id, for accounting latency and CPU per flow and per path.</summary>
    public int FlowId;

    /// <summary>Ethernet addresses of the frame the packet currently travels in.</summary>
    public MacAddress SourceMac;
    public MacAddress DestinationMac;

    /// <summary>The core of the host now processing the packet: work stays here until a NIC's RSS picks anew.</summary>
    public int Core;

    /// <summary>Devices and namespaces crossed (a hop count, for tracing and the hops-per-second benchmark).</summary>
    public int Hops;

    /// <summary>
    /// The kernel stages this packet's journey has run so far, one bit each (<see cref="Cpu.StageCost.ColdPicoseconds"/>):
    /// a stage's first run pays for its cold code and data, later ones find them warm. A clone keeps its original's.
    /// 128 bits: the model has more than 64 stages.
    /// </summary>
    public UInt128 WarmStages;

    /// <summary>
    /// The connection-tracking entry of the current namespace that this packet belongs to (1-based; 0: none
    /// yet), and whether it travels in the reply direction. Cleared when the packet changes namespace or is
    /// encapsulated or decapsulated, as skb_scrub_packet() does.
    /// </summary>
    public int ConntrackEntry;
    public bool ConntrackReply;

    /// <summary>A clone (a flooded copy) that shares its original's connection: dropping it frees nothing.</summary>
    public bool ConntrackShared;

    /// <summary>The netfilter mark (iptables -j MARK), as KUBE-MARK-MASQ sets it.</summary>
    public uint Mark;

    /// <summary>
    /// Fragmentation: a fragment carries the id of the datagram it belongs to (nonzero), the datagram's data bytes
    /// (all it carries after its visible IP header: the outer one while tunnelled) and its own share of them. It
    /// keeps the whole datagram's headers and payload as sent, so that reassembly gives them back as they were.
    /// </summary>
    public int DatagramId;
    public int DatagramDataBytes;
    public int FragmentDataBytes;

    /// <summary>
    /// The datagram cut was the outer packet (a tunnel's, fragmented by its node), not the inner one: only the
    /// outer header's destination reassembles it, and a fragment of an inner packet that is tunnelled later keeps
    /// its own headers inside the encapsulation.
    /// </summary>
    public bool OuterFragment;

    /// <summary>A fragment of the datagram whose header is visible now: what this namespace may reassemble.</summary>
    public readonly bool IsVisibleFragment => DatagramId != 0 && OuterFragment == (Encapsulation.Kind != EncapsulationKind.None);

    /// <summary>
    /// What the application's own header carries (a request's number and the response size it asks for):
    /// payload bytes are not modelled, so the little an application protocol reads from them rides here.
    /// </summary>
    public long ApplicationData;

    /// <summary>The TCP header of a TCP segment.</summary>
    public TcpHeader Tcp;

    /// <summary>
    /// Generic segmentation offload: a super-packet of <see cref="GsoSegments"/> segments of <see cref="GsoSize"/>
    /// payload bytes each (the last may be shorter), as TCP builds them (skb_shinfo gso_segs and gso_size). It
    /// crosses the stack as one packet, so per-packet work is paid once, and is cut into wire frames by the NIC
    /// (TSO) or by software GSO just before the driver. 0: an ordinary packet.
    /// </summary>
    public int GsoSegments;
    public int GsoSize;

    /// <summary>An ICMP error: which one, the next-hop MTU of a "fragmentation needed" and the flow of the datagram it refers to.</summary>
    public IcmpError IcmpError;
    public int IcmpNextHopMtu;
    public FiveTuple IcmpQuotedFlow;

    /// <summary>Forgets per-namespace state: conntrack reference and mark.</summary>
    public void Scrub()
    {
        ResetConntrack();
        Mark = 0;
    }

    /// <summary>nf_reset_ct: forgets the conntrack reference only.</summary>
    public void ResetConntrack()
    {
        ConntrackEntry = 0;
        ConntrackReply = false;
        ConntrackShared = false;
    }

    /// <summary>Rewrites the visible header's tuple (the outer one while tunnelled).</summary>
    public void SetVisibleFlow(FiveTuple tuple)
    {
        if (Encapsulation.Kind == EncapsulationKind.None)
        {
            Flow = tuple;
        }
        else
        {
            Encapsulation = Encapsulation with { Outer = tuple };
        }
    }

    /// <summary>Bytes of the inner IP packet: IPv4 header with its options, transport header, payload.</summary>
    public readonly int InnerIpLength => HeaderSizes.Ipv4 + IpOptionBytes + TransportHeaderBytes + PayloadBytes;

    /// <summary>
    /// Bytes of the IP packet the current link carries: the inner packet plus any encapsulation, or, for a
    /// fragment, its visible IP header and its share of the datagram's data.
    /// </summary>
    public readonly int IpLength => FragmentDataBytes == 0
        ? InnerIpLength + Encapsulation.Overhead
        : OuterFragment ? HeaderSizes.Ipv4 + FragmentDataBytes : HeaderSizes.Ipv4 + IpOptionBytes + FragmentDataBytes + Encapsulation.Overhead;

    /// <summary>DF in the visible header: the outer one while tunnelled.</summary>
    public readonly bool VisibleDontFragment => Encapsulation.Kind == EncapsulationKind.None ? DontFragment : OuterDontFragment;

    /// <summary>The tuple the network sees now: the outer one while tunnelled.</summary>
    public readonly FiveTuple VisibleFlow => Encapsulation.Kind == EncapsulationKind.None ? Flow : Encapsulation.Outer;

    /// <summary>The TCP flags of the header the stack sees: none for a tunnelled packet (its outer header is UDP or IP) or one that is not TCP.</summary>
    public readonly TcpFlags VisibleTcpFlags => Encapsulation.Kind == EncapsulationKind.None && Flow.Protocol == IpProtocol.Tcp ? Tcp.Flags : TcpFlags.None;

    /// <summary>Frames this packet becomes on a wire: its GSO segments, or one.</summary>
    public readonly int Segments => GsoSegments > 1 ? GsoSegments : 1;

    /// <summary>The IP length of its largest wire frame (the first segment of a GSO packet): what MTU checks see.</summary>
    public readonly int LargestSegmentIpLength =>
        GsoSegments > 1 ? IpLength - PayloadBytes + GsoSize : IpLength;

    /// <summary>
    /// Bytes on the wire for the frames this packet becomes: Ethernet framing, padding, preamble and gap, for
    /// each segment (every segment repeats all the headers, outer ones included).
    /// </summary>
    public readonly int WireBytes
    {
        get
        {
            if (GsoSegments <= 1)
            {
                return HeaderSizes.WireBytes(IpLength);
            }

            int headers = IpLength - PayloadBytes;
            int full = GsoSegments - 1;
            return (full * HeaderSizes.WireBytes(headers + GsoSize)) + HeaderSizes.WireBytes(headers + PayloadBytes - (full * GsoSize));
        }
    }

    /// <summary>Wire bytes of the first frame (every frame of a GSO packet but the last is this size).</summary>
    public readonly int FirstFrameWireBytes => HeaderSizes.WireBytes(LargestSegmentIpLength);

    /// <summary>Wire bytes of the last frame (its segment carries what is left of the payload).</summary>
    public readonly int LastFrameWireBytes =>
        GsoSegments <= 1
            ? HeaderSizes.WireBytes(IpLength)
            : HeaderSizes.WireBytes(IpLength - ((GsoSegments - 1) * GsoSize));

    /// <summary>
    /// Keeps only the first <paramref name="segments"/> segments of a GSO packet: a queue with room for only
    /// part of the burst drops its tail frames. The FIN, carried by the last segment, goes with them.
    /// </summary>
    public void KeepFirstSegments(int segments)
    {
        if (segments <= 0 || segments >= Segments)
        {
            throw new ArgumentOutOfRangeException(nameof(segments), segments, $"keep between 1 and {Segments - 1} of {Segments} segments.");
        }

        PayloadBytes = segments * GsoSize;
        GsoSegments = segments == 1 ? 0 : segments;
        Tcp.Flags &= ~TcpFlags.Fin;
    }

    /// <summary>
    /// Turns this GSO packet into its segment <paramref name="index"/> (0-based) alone: what segmentation makes of
    /// it. A TCP segment's sequence number advances by the payload before it; only the last keeps FIN and PSH.
    /// </summary>
    public void BecomeSegment(int index)
    {
        int segments = Segments;
        if ((uint)index >= (uint)segments)
        {
            throw new ArgumentOutOfRangeException(nameof(index), index, $"a packet of {segments} segments.");
        }

        if (segments == 1)
        {
            return;
        }

        int before = index * GsoSize;
        PayloadBytes = index == segments - 1 ? PayloadBytes - before : GsoSize;
        Tcp.Sequence += before;
        if (index != segments - 1)
        {
            Tcp.Flags &= ~(TcpFlags.Fin | TcpFlags.Psh);
        }

        GsoSegments = 0;
        GsoSize = 0;
    }
}

using ScottPlot;

namespace NetPerf.Reporting.Plots;

/// <summary>
/// One fixed colour per kernel stage, from one palette grouped by layer (socket blues, TCP/UDP oranges, IP
/// greens, netfilter reds and violets, tunnel magentas, device browns, tc BPF programs teals, NIC greys): a stage keeps its colour in
/// every plot of every run, no two stages share one, and a layer reads as one family in a stacked bar.
/// </summary>
public static class StageColours
{
    /// <summary>
    /// The layer of a stage that is a process's own code in user space, not the kernel's (Weave's weaver; the
    /// simulation's StageKind.UserSpace): reports call its CPU user-space CPU.
    /// </summary>
    public const string UserSpace = "user space";

    /// <summary>Stages in layer order, top of the stack (socket) to the wire (NIC), each with its colour.</summary>
    private static readonly (string Stage, string Layer, string Hex)[] Table =
    [
        ("Syscall", "socket", "#08306B"), ("SocketDeliver", "socket", "#4292C6"),
        ("TcpOutput", "tcp/udp", "#7F2704"), ("TcpInput", "tcp/udp", "#D94801"), ("UdpOutput", "tcp/udp", "#F16913"),
        ("UdpInput", "tcp/udp", "#FD8D3C"), ("TcpConnection", "tcp/udp", "#A63603"), ("GsoSegment", "tcp/udp", "#FDAE6B"), ("GroReceive", "tcp/udp", "#FDD0A2"), ("TcpPacingTimer", "tcp/udp", "#FEE6CE"),
        ("IpOutput", "ip", "#00441B"), ("IpInput", "ip", "#006D2C"), ("IpForward", "ip", "#238B45"), ("FibLookup", "ip", "#41AB5D"),
        ("Fragment", "ip", "#74C476"), ("Reassemble", "ip", "#A1D99B"), ("Icmp", "ip", "#C7E9C0"),
        ("NetfilterHook", "netfilter", "#67000D"), ("NetfilterRule", "netfilter", "#A50F15"), ("NftablesRule", "netfilter", "#7A0177"),
        ("ConntrackLookup", "netfilter", "#CB181D"), ("ConntrackOuterLookup", "netfilter", "#E7298A"), ("ConntrackTcpState", "netfilter", "#C51B7D"),
        ("ConntrackNew", "netfilter", "#EF3B2C"), ("Nat", "netfilter", "#FB6A4A"), ("NftMapLookup", "netfilter", "#FC9272"),
        ("IpvsLookup", "netfilter", "#54278F"), ("IpvsSchedule", "netfilter", "#9E9AC8"),
        ("VxlanEncapsulate", "tunnel", "#49006A"), ("VxlanDecapsulate", "tunnel", "#AE017E"),
        ("GeneveEncapsulate", "tunnel", "#DD3497"), ("GeneveDecapsulate", "tunnel", "#FA9FB5"),
        ("IpipEncapsulate", "tunnel", "#F768A1"), ("IpipDecapsulate", "tunnel", "#FCC5C0"),
        ("LoopbackTransmit", "device", "#3F2A14"), ("BacklogReceive", "device", "#8C510A"), ("VethTransmit", "device", "#BF812D"),
        ("BridgeForward", "device", "#DFC27D"), ("BridgeNetfilter", "device", "#F6E8C3"),
        ("OvsFlowLookup", "device", "#80CDC1"), ("OvsUpcall", "device", "#35978F"),
        ("SleeveCapture", "device", "#01665E"), ("SocketWakeUp", "socket", "#9ECAE1"), ("ContextSwitch", "socket", "#2171B5"),
        ("SleeveEncapsulate", UserSpace, "#C7EAE5"), ("SleeveDecapsulate", UserSpace, "#543005"),
        ("BpfFromContainer", "bpf", "#004B50"), ("BpfToContainer", "bpf", "#00828A"), ("BpfFromNetdev", "bpf", "#2AC1C9"),
        ("BpfFromHost", "bpf", "#7FDFE3"), ("BpfFromOverlay", "bpf", "#BDF0F2"), ("BpfServiceNat", "bpf", "#006D77"), ("BpfSocketLb", "bpf", "#83C5BE"), ("BpfSocketLbReceive", "bpf", "#B7E1DC"),
        ("BpfNodePort", "bpf", "#0B3C49"), ("BpfNodePortSnat", "bpf", "#3A7D8C"), ("BpfDsr", "bpf", "#5FA8B5"), ("BpfBackendRandom", "bpf", "#9BD1D9"), ("BpfBackendMaglev", "bpf", "#C9E8EC"), ("BpfMapInsert", "bpf", "#14555E"), ("BpfLruEvict", "bpf", "#E0F4F6"),
        ("NicTransmit", "nic", "#252525"), ("NicReceive", "nic", "#737373"),
        ("Interference", "other", "#FFD92F"), ("Preemption", "other", "#B3DE69"),
    ];

    private static readonly Dictionary<string, (int Rank, Color Colour)> ByStage =
        Table.Select((t, i) => (t.Stage, Rank: i, Colour: Color.FromHex(t.Hex))).ToDictionary(t => t.Stage, t => (t.Rank, t.Colour), StringComparer.Ordinal);

    /// <summary>Every stage with a colour of its own.</summary>
    public static IEnumerable<string> Stages => Table.Select(t => t.Stage);

    /// <summary>The stage's colour; a stage this table does not know (a newer model) takes a mid grey.</summary>
    public static Color Of(string stage) => ByStage.TryGetValue(stage, out var s) ? s.Colour : Color.FromHex("#969696");

    /// <summary>The stage's layer (socket, tcp/udp, ip, netfilter, tunnel, device, bpf, user space, nic, other); "other" for a stage this table does not know.</summary>
    public static string LayerOf(string stage) => Table.FirstOrDefault(t => t.Stage == stage).Layer ?? "other";

    /// <summary>True for a stage that is a process's own work in user space (<see cref="UserSpace"/>), not the kernel's.</summary>
    public static bool IsUserSpace(string stage) => LayerOf(stage) == UserSpace;

    /// <summary>Where the stage stacks: by layer, socket first; unknown stages last, by name.</summary>
    public static int Rank(string stage) => ByStage.TryGetValue(stage, out var s) ? s.Rank : Table.Length;
}

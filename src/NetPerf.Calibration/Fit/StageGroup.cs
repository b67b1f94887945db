using NetPerf.Network.Cpu;

namespace NetPerf.Calibration.Fit;

/// <summary>
/// Stages the fit scales together by one factor, because the single-hop paths can tell their sum apart from
/// the rest but not the stages inside it: the socket and IP stack of the loopback path (split between its stages
/// as its perf profile split it, tools/kernel-costs), the two ends of a VXLAN tunnel, TCP's output and input, the
/// netfilter hooks with an established conntrack lookup. <see cref="Derived"/> stages were never alone on a
/// measurable path here (ipip and ip_vs are not in this kernel; an nftables map only on composite paths): they move with the group whose work is most like theirs, and the cost file says so. Stages in no group (Cilium's tc BPF programs, measured on their own by tools/kernel-costs/bpf) keep the shipped table's figure.
/// </summary>
public sealed record StageGroup(string Name, IReadOnlyList<KernelStage> Stages, IReadOnlyList<KernelStage> Derived, string MeasuredBy)
{
    /// <summary>
    /// The group scales only its stages' per-byte part (their fixed part belongs to another group): the copy to and
    /// from user space, which only a bulk stream tells apart from the per-call work of the small messages.
    /// </summary>
    public bool PerByte { get; init; }

    public static readonly IReadOnlyList<StageGroup> All =
    [
        new("socket", [KernelStage.Syscall, KernelStage.UdpOutput, KernelStage.UdpInput, KernelStage.LoopbackTransmit, KernelStage.SocketDeliver],
            [KernelStage.OvsUpcall], "udp lo"),
        new("ip hop", [KernelStage.IpOutput, KernelStage.IpInput, KernelStage.BacklogReceive, KernelStage.FibLookup],
            [KernelStage.Fragment, KernelStage.Reassemble, KernelStage.Icmp], "udp lo, and the hops udp veth, routed and bridge add to it"),
        new("veth", [KernelStage.VethTransmit], [], "udp veth - udp lo"),
        new("bridge", [KernelStage.BridgeForward], [KernelStage.OvsFlowLookup], "udp bridge - udp veth"),
        new("conntrack", [KernelStage.NetfilterHook, KernelStage.ConntrackLookup, KernelStage.NetfilterRule, KernelStage.NftablesRule],
            [KernelStage.NftMapLookup, KernelStage.IpvsLookup, KernelStage.IpvsSchedule], "udp routed+conntrack - udp routed"),
        new("outer conntrack", [KernelStage.ConntrackOuterLookup], [], "(udp vxlan+conntrack - udp vxlan) - the inner packets' forwarded lookups"),
        new("br_netfilter", [KernelStage.BridgeNetfilter], [], "(udp bridge+conntrack - udp bridge) - (udp routed+conntrack - udp routed)"),
        new("forward", [KernelStage.IpForward], [], "udp routed - udp veth"),
        new("nat", [KernelStage.Nat], [], "udp routed+dnat - udp routed+conntrack"),
        new("vxlan", [KernelStage.VxlanEncapsulate, KernelStage.VxlanDecapsulate], [KernelStage.IpipEncapsulate, KernelStage.IpipDecapsulate], "udp vxlan - udp routed"),
        new("tcp", [KernelStage.TcpOutput, KernelStage.TcpInput], [], "tcp lo - udp lo"),
        new("tcp connection", [KernelStage.TcpConnection], [], "tcp-crr lo - tcp lo"),
        new("copy", [KernelStage.Syscall], [], "tcp-stream lo: the bytes copied to and from user space") { PerByte = true },
        new("conntrack tcp", [KernelStage.ConntrackTcpState], [], "(tcp routed+conntrack - tcp routed) - its segments' lookups, priced by the UDP paths"),
        new("conntrack new", [KernelStage.ConntrackNew], [], "(tcp-crr routed+conntrack - tcp-crr routed) - its segments' lookups and TCP state tracking"),
    ];
}

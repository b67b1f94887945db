using NetPerf.Network.Cpu;

namespace NetPerf.Calibration.Fit;

/// <summary>
/// Stages the fit scales together by one factor, because the single-hop paths can tell their sum apart from
/// the rest but not the stages inside it: the work at a path's two ends, a device crossing and an IP hop (each
/// split between its stages as loopback's perf profile split it, tools/kernel-costs), the two ends of a VXLAN tunnel, TCP's output and input, the
/// netfilter hooks with an established conntrack lookup. <see cref="Derived"/> stages were never alone on a
/// measurable path here (ipip, geneve and ip_vs are not in this kernel; an nftables map only on composite paths): they move with the group whose work is most like theirs, and the cost file says so. Stages in no group (Cilium's tc BPF programs, measured on their own by tools/kernel-costs/bpf) keep the shipped table's figure.
/// </summary>
public sealed record StageGroup(string Name, IReadOnlyList<KernelStage> Stages, IReadOnlyList<KernelStage> Derived, string MeasuredBy)
{
    /// <summary>
    /// The group scales only its stages' per-byte part (their fixed part belongs to another group): the copy to and
    /// from user space, which only a bulk stream tells apart from the per-call work of the small messages.
    /// </summary>
    public bool PerByte { get; init; }

    /// <summary>
    /// The chain testbeds tell the group's first run on a packet's journey from its later runs, so the experimental
    /// <c>--fit-first-run</c> gives it a premium of its own (<see cref="NetPerf.Network.Cpu.StageCost.ColdPicoseconds"/>):
    /// on 6.18.44-fc-v1252, paired per round, the first router's conntrack added 1.05-1.68 us a round trip and each of
    /// three more 0.49-0.56, the first bridge's br_netfilter and conntrack 2.11-2.29 and each more 0.76-0.91
    /// (calibration-6.18.44-fc-v1252/chains, chains-first-run).
    /// </summary>
    public bool Cold { get; init; }

    public static readonly IReadOnlyList<StageGroup> All =
    [
        // Work done once per message at a path's two ends (the system call, UDP, the socket's wake-up and, in this
        // model, ip_output: forwarding charges IpForward for its own output), apart from the work every device
        // crossing repeats (a transmit handing the packet to the peer's backlog, and the backlog taking it) and the
        // work every IP hop repeats (ip_rcv, the route lookup, ip_forward's TTL and output). Loopback against a veth
        // pair prices the crossing, the router's extra hop the IP hop, and loopback's remainder the ends: a machine
        // whose system calls cost more (6.18.44-fc-v1252: loopback 1.6 times the stored run's, a veth pair adding no
        // more) is fitted so, not as one whose every hop costs more.
        new("socket", [KernelStage.Syscall, KernelStage.UdpOutput, KernelStage.UdpInput, KernelStage.SocketDeliver, KernelStage.IpOutput],
            [KernelStage.OvsUpcall, KernelStage.SleeveCapture, KernelStage.SocketWakeUp, KernelStage.ContextSwitch, KernelStage.Icmp], "udp lo, less the crossing and the hop it shares with udp veth"),
        new("link", [KernelStage.VethTransmit, KernelStage.LoopbackTransmit, KernelStage.BacklogReceive], [], "udp veth - udp lo") { Cold = true },
        new("ip hop", [KernelStage.IpInput, KernelStage.FibLookup, KernelStage.IpForward],
            [KernelStage.Fragment, KernelStage.Reassemble], "udp routed - udp veth, less the veth crossing it adds; udp routed x4, four times over") { Cold = true },
        new("bridge", [KernelStage.BridgeForward], [KernelStage.OvsFlowLookup], "udp bridge - udp veth; udp bridge x4, four times over") { Cold = true },
        new("conntrack", [KernelStage.NetfilterHook, KernelStage.ConntrackLookup, KernelStage.NetfilterRule, KernelStage.NftablesRule],
            [KernelStage.NftMapLookup, KernelStage.IpvsLookup, KernelStage.IpvsSchedule], "udp routed+conntrack - udp routed; the x4 chains, one lookup per router") { Cold = true },
        new("outer conntrack", [KernelStage.ConntrackOuterLookup], [], "(udp vxlan+conntrack - udp vxlan) - the inner packets' forwarded lookups"),
        new("br_netfilter", [KernelStage.BridgeNetfilter], [], "(udp bridge(x4)+conntrack - udp bridge(x4)) - (udp routed(x4)+conntrack - udp routed(x4))") { Cold = true },
        new("nat", [KernelStage.Nat], [], "udp routed+dnat - udp routed+conntrack"),
        // Geneve's driver does VXLAN's work per packet (cost-model.csv's Geneve rows) and is not built into this kernel.
        new("vxlan", [KernelStage.VxlanEncapsulate, KernelStage.VxlanDecapsulate],
            [KernelStage.IpipEncapsulate, KernelStage.IpipDecapsulate, KernelStage.GeneveEncapsulate, KernelStage.GeneveDecapsulate], "udp vxlan - udp routed"),
        new("tcp", [KernelStage.TcpOutput, KernelStage.TcpInput], [], "tcp lo - udp lo"),
        new("tcp connection", [KernelStage.TcpConnection], [], "tcp-crr lo - tcp lo"),
        new("copy", [KernelStage.Syscall], [], "tcp-stream lo: the bytes copied to and from user space") { PerByte = true },
        new("conntrack tcp", [KernelStage.ConntrackTcpState], [], "(tcp routed x4+conntrack - tcp routed x4) - its segments' lookups, priced by the UDP chains (and the same through one router)") { Cold = true },
        new("conntrack new", [KernelStage.ConntrackNew], [], "(tcp-crr routed+conntrack - tcp-crr routed) - its segments' lookups and TCP state tracking"),
    ];
}

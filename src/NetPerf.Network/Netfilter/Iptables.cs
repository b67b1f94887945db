using NetPerf.Engine.Random;
using NetPerf.Network.Addressing;
using NetPerf.Network.Cpu;
using NetPerf.Network.Devices;
using NetPerf.Network.Packets;
using NetPerf.Network.Stack;
using NetPerf.Network.Topology;

namespace NetPerf.Network.Netfilter;

/// <summary>
/// Netfilter in one namespace, iptables style: the nat and filter tables' built-in chains, user chains, and
/// connection tracking, run at each hook in the kernel's priority order. The nat table sees only a
/// connection's first packet; every later packet gets the connection's NAT from conntrack, so a long flow
/// through a Service pays for the rules once.
/// </summary>
public sealed class Iptables
{
    private readonly NetworkNamespace _ns;
    private readonly RngStream _random;
    private readonly Dictionary<string, Chain> _userChains = [];

    public Iptables(NetworkNamespace ns, RngStream random, int conntrackMax = Conntrack.DefaultMax, IptablesBackend backend = IptablesBackend.Nft)
        : this(ns, random, new ConntrackSysctls { Max = conntrackMax }, backend)
    {
    }

    public Iptables(NetworkNamespace ns, RngStream random, ConntrackSysctls sysctls, IptablesBackend backend = IptablesBackend.Nft, RngStream? natRandom = null)
    {
        _ns = ns;
        _random = random;
        _natRandom = natRandom;
        Conntrack = new Conntrack(sysctls);
        Backend = backend;
    }

    /// <summary>
    /// Why the last <see cref="Verdict.Drop"/> was given: a rule (<see cref="DropReason.Netfilter"/>) or a full
    /// conntrack table (<see cref="DropReason.ConntrackTableFull"/>). The kernel frees both as
    /// SKB_DROP_REASON_NETFILTER_DROP (nf_hook_slow); the table-full case is told apart by conntrack's drop
    /// counter and its log line, so the model names it.
    /// </summary>
    public DropReason LastDropReason { get; private set; } = DropReason.Netfilter;

    public Conntrack Conntrack { get; }

    /// <summary>
    /// The engine the rules run on: the same walk of the same rules, charged per rule as
    /// <see cref="KernelStage.NftablesRule"/> (iptables-nft, the default) or <see cref="KernelStage.NetfilterRule"/>
    /// (iptables-legacy).
    /// </summary>
    public IptablesBackend Backend { get; set; }

    /// <summary>The stage one rule's evaluation charges on <see cref="Backend"/>.</summary>
    public KernelStage RuleStage => Backend == IptablesBackend.Legacy ? KernelStage.NetfilterRule : KernelStage.NftablesRule;

    public Chain NatPreRouting { get; } = new("PREROUTING", RuleTarget.Accept);
    public Chain NatInput { get; } = new("INPUT", RuleTarget.Accept);
    public Chain NatOutput { get; } = new("OUTPUT", RuleTarget.Accept);
    public Chain NatPostRouting { get; } = new("POSTROUTING", RuleTarget.Accept);
    public Chain FilterInput { get; } = new("INPUT", RuleTarget.Accept);
    public Chain FilterForward { get; } = new("FORWARD", RuleTarget.Accept);
    public Chain FilterOutput { get; } = new("OUTPUT", RuleTarget.Accept);

    /// <summary>Rules evaluated so far (each one charged as <see cref="RuleStage"/>).</summary>
    public long RulesEvaluated { get; private set; }

    /// <summary><c>iptables -N NAME</c>.</summary>
    public Chain NewChain(string name)
    {
        var chain = new Chain(name);
        if (!_userChains.TryAdd(name, chain))
        {
            throw new InvalidOperationException($"chain {name} already exists in {_ns}.");
        }

        return chain;
    }

    public Chain UserChain(string name) =>
        _userChains.TryGetValue(name, out var c) ? c : throw new ArgumentException($"no chain {name} in {_ns}.", nameof(name));

    /// <summary>Runs <paramref name="hook"/> for the walk's packet.</summary>
    internal Verdict Run(NetfilterHook hook, ref PacketWalk walk, NetDevice? inDevice, NetDevice? outDevice)
    {
        LastDropReason = DropReason.Netfilter;
        walk.Charge(KernelStage.NetfilterHook, _ns, inDevice ?? outDevice);
        if (_ns.Host.Tracer is INetfilterTracer hooks)
        {
            hooks.OnHook(walk.Packet, hook, _ns, inDevice ?? outDevice);
        }

        long now = _ns.Host.Sim.Now.Picoseconds;
        switch (hook)
        {
            case NetfilterHook.PreRouting:
            case NetfilterHook.Output:
                if (!Track(ref walk, now, inDevice ?? outDevice, out bool isNew))
                {
                    LastDropReason = DropReason.ConntrackTableFull;
                    return Verdict.Drop;
                }

                if (isNew)
                {
                    var verdict = RunChain(hook == NetfilterHook.Output ? NatOutput : NatPreRouting, ref walk, inDevice, outDevice);
                    if (verdict == Verdict.Drop)
                    {
                        return Drop(ref walk);
                    }
                }
                else
                {
                    ApplyEstablishedNat(ref walk, destination: true, inDevice ?? outDevice);
                }

                return hook == NetfilterHook.Output ? Filter(FilterOutput, ref walk, inDevice, outDevice) : Verdict.Accept;

            case NetfilterHook.Forward:
                return Filter(FilterForward, ref walk, inDevice, outDevice);

            case NetfilterHook.Input:
                // The filter table only; IPVS (priority 98) comes next, then FinishInput (nat INPUT, confirm).
                return Filter(FilterInput, ref walk, inDevice, outDevice);

            default:
                return Finish(ref walk, now, NatPostRouting, inDevice, outDevice);
        }
    }

    /// <summary>The end of INPUT, after IPVS had its turn: nat INPUT and conntrack confirmation.</summary>
    internal Verdict FinishInput(ref PacketWalk walk, NetDevice? inDevice)
    {
        LastDropReason = DropReason.Netfilter;
        return Finish(ref walk, _ns.Host.Sim.Now.Picoseconds, NatInput, inDevice, null);
    }

    /// <summary>Frees the unconfirmed connection of a packet dropped before it left the hooks.</summary>
    internal void Forget(ref PacketWalk walk)
    {
        ref var p = ref walk.P;
        if (p.ConntrackEntry != 0)
        {
            if (!p.ConntrackShared)
            {
                Conntrack.Release(p.ConntrackEntry); // a clone only drops its reference, as an skb its nf_conn's
            }

            p.ConntrackEntry = 0;
        }
    }

    /// <summary>
    /// Attaches the packet to its connection, creating one if needed (<paramref name="isNew"/>); false if a new
    /// connection found the table full (nf_conntrack_in returns NF_DROP).
    /// </summary>
    private bool Track(ref PacketWalk walk, long now, NetDevice? device, out bool isNew)
    {
        ref var p = ref walk.P;
        if (p.ConntrackEntry != 0)
        {
            // Already tracked in this namespace (a locally generated packet coming back in through lo).
            isNew = !Conntrack[p.ConntrackEntry].Confirmed;
            return true;
        }

        // A tunnel's outer packet (VXLAN's UDP to port 8472, IP-in-IP) is tracked as a flow of its own, priced apart
        // (its source port follows the inner flow's hash, so each inner connection has its own outer entries).
        walk.Charge(p.Encapsulation.Kind == Packets.EncapsulationKind.None ? KernelStage.ConntrackLookup : KernelStage.ConntrackOuterLookup, _ns, device);
        var tuple = p.VisibleFlow;
        if (tuple.Protocol == IpProtocol.Tcp)
        {
            walk.Charge(KernelStage.ConntrackTcpState, _ns, device); // every TCP segment, new or established: nf_conntrack_tcp_packet
        }

        isNew = false;
        if (tuple.Protocol == IpProtocol.Icmp && p.IcmpError != Packets.IcmpError.None && TranslateRelatedIcmp(ref walk, now, device))
        {
            return true;
        }

        var flags = p.VisibleTcpFlags;
        if (Conntrack.TryFind(tuple, now, out int id, out bool reply) && !Conntrack.ReopensClosed(id, reply, flags)
            && (reply || !Conntrack.HiddenFrom(id, p.Core, now + walk.CostPicoseconds)))
        {
            p.ConntrackEntry = id;
            p.ConntrackReply = reply;
            Conntrack.Refresh(id, reply, now, flags);
            return true;
        }

        walk.Charge(KernelStage.ConntrackNew, _ns, device);
        p.ConntrackEntry = Conntrack.Create(tuple, now, flags);
        p.ConntrackReply = false;
        isNew = true;
        return p.ConntrackEntry != 0;
    }

    /// <summary>
    /// An ICMP error quoting a packet of a tracked connection is RELATED to it: no entry of its own, and NAT
    /// translates both the error's destination and the quoted header back to what the connection's endpoint sent
    /// (nf_conntrack_icmp_error, nf_nat_icmp_reply_translation). So a pod behind MASQUERADE gets the
    /// "fragmentation needed" (or port unreachable) meant for it, quoting its own address.
    /// </summary>
    private bool TranslateRelatedIcmp(ref PacketWalk walk, long now, NetDevice? device)
    {
        ref var p = ref walk.P;
        // The quoted header left this namespace after NAT; its reverse is the connection's reply tuple.
        if (!Conntrack.TryFind(p.IcmpQuotedFlow.Reversed, now, out int id, out bool reply) || !reply)
        {
            return false;
        }

        ref var e = ref Conntrack[id];
        if (p.IcmpQuotedFlow != e.Original)
        {
            walk.Charge(KernelStage.Nat, _ns, device);
            p.SetVisibleFlow(p.VisibleFlow with { Destination = e.Original.Source });
            p.IcmpQuotedFlow = e.Original;
        }

        return true;
    }

    /// <summary>POSTROUTING or INPUT: source NAT for a new connection (rules) or an established one (conntrack), then confirmation.</summary>
    private Verdict Finish(ref PacketWalk walk, long now, Chain nat, NetDevice? inDevice, NetDevice? outDevice)
    {
        ref var p = ref walk.P;
        if (p.ConntrackEntry == 0)
        {
            return Verdict.Accept;
        }

        if (!Conntrack[p.ConntrackEntry].Confirmed)
        {
            if (RunChain(nat, ref walk, inDevice, outDevice) == Verdict.Drop)
            {
                return Drop(ref walk);
            }

            switch (Conntrack.Confirm(walk.P.ConntrackEntry, now, walk.P.Core, now + walk.CostPicoseconds, out int winner))
            {
                case ConfirmOutcome.Dropped:
                    walk.P.ConntrackEntry = 0;
                    LastDropReason = DropReason.ConntrackInsertFailed;
                    return Verdict.Drop;
                case ConfirmOutcome.Merged:
                    walk.P.ConntrackEntry = winner;
                    walk.P.ConntrackReply = false;
                    break;
            }

            return Verdict.Accept;
        }

        ApplyEstablishedNat(ref walk, destination: false, inDevice ?? outDevice);
        return Verdict.Accept;
    }

    private Verdict Drop(ref PacketWalk walk)
    {
        Forget(ref walk);
        return Verdict.Drop;
    }

    private Verdict Filter(Chain chain, ref PacketWalk walk, NetDevice? inDevice, NetDevice? outDevice) =>
        chain.Rules.Count == 0 && chain.Policy != RuleTarget.Drop ? Verdict.Accept : RunChain(chain, ref walk, inDevice, outDevice);

    /// <summary>
    /// Established NAT: a packet in the original direction is rewritten to the inverse of the reply tuple, one
    /// in the reply direction to the inverse of the original; destinations at PREROUTING/OUTPUT, sources at
    /// POSTROUTING/INPUT, as the kernel's nf_nat hooks do.
    /// </summary>
    private void ApplyEstablishedNat(ref PacketWalk walk, bool destination, NetDevice? device)
    {
        ref var p = ref walk.P;
        if (p.ConntrackEntry == 0)
        {
            return; // a related ICMP error, already translated
        }

        ref var e = ref Conntrack[p.ConntrackEntry];
        if (e.ManagedByIpvs && destination != p.ConntrackReply)
        {
            // IPVS rewrites the virtual address itself (request destinations, reply sources); conntrack keeps
            // only a MASQUERADE done at POSTROUTING on the way to the real server (kube-proxy's NodePort SNAT):
            // request sources at POSTROUTING, reply destinations at PREROUTING.
            return;
        }

        var target = p.ConntrackReply ? e.Original.Reversed : e.Reply.Reversed;
        var now = p.VisibleFlow;
        var rewritten = destination
            ? now with { Destination = target.Destination, DestinationPort = target.DestinationPort }
            : now with { Source = target.Source, SourcePort = target.SourcePort };
        if (rewritten != now)
        {
            walk.Charge(KernelStage.Nat, _ns, device);
            p.SetVisibleFlow(rewritten);
        }
    }

    private Verdict? RunRules(Chain chain, ref PacketWalk walk, NetDevice? inDevice, NetDevice? outDevice)
    {
        var rules = chain.Rules;
        for (int i = 0; i < rules.Count; i++)
        {
            var rule = rules[i];
            RulesEvaluated++;
            walk.Charge(RuleStage, _ns, inDevice ?? outDevice);
            if (!Matches(rule, ref walk.P, inDevice, outDevice))
            {
                continue;
            }

            switch (rule.Target)
            {
                case RuleTarget.None:
                    break;
                case RuleTarget.Mark:
                    walk.P.Mark = (walk.P.Mark & ~rule.ClearMark) | rule.SetMark;
                    break;
                case RuleTarget.Accept:
                    return Verdict.Accept;
                case RuleTarget.Drop:
                    return Verdict.Drop;
                case RuleTarget.Return:
                    return null;
                case RuleTarget.Jump:
                    var decided = RunRules(rule.JumpTo!, ref walk, inDevice, outDevice);
                    if (decided is not null)
                    {
                        return decided;
                    }

                    break;
                case RuleTarget.Goto:
                    return RunRules(rule.JumpTo!, ref walk, inDevice, outDevice);
                case RuleTarget.VerdictMap:
                    walk.Charge(KernelStage.NftMapLookup, _ns, inDevice ?? outDevice);
                    var t = walk.P.VisibleFlow;
                    if (rule.Map!.TryGet(t.Destination, t.Protocol, t.DestinationPort, out var mapped))
                    {
                        var verdict = RunRules(mapped, ref walk, inDevice, outDevice);
                        if (verdict is not null)
                        {
                            return verdict;
                        }
                    }

                    break;
                case RuleTarget.Dnat:
                    Dnat(ref walk, rule, inDevice ?? outDevice);
                    return Verdict.Accept;
                case RuleTarget.Snat:
                case RuleTarget.Masquerade:
                    if (!Snat(ref walk, rule, outDevice))
                    {
                        return Verdict.Drop;
                    }

                    return Verdict.Accept;
            }
        }

        return null;
    }

    private Verdict RunChain(Chain chain, ref PacketWalk walk, NetDevice? inDevice, NetDevice? outDevice) =>
        RunRules(chain, ref walk, inDevice, outDevice) ?? (chain.Policy == RuleTarget.Drop ? Verdict.Drop : Verdict.Accept);

    private bool Matches(Rule rule, ref Packet p, NetDevice? inDevice, NetDevice? outDevice)
    {
        var t = p.VisibleFlow;
        if (!((rule.Source is not { } src || src.Contains(t.Source))
            && (rule.Destination is not { } dst || dst.Contains(t.Destination))
            && (rule.Protocol is not { } proto || proto == t.Protocol)
            && (rule.DestinationPort is not { } port || port == t.DestinationPort)))
        {
            return false;
        }

        // The matches without side effects first, the statistic's random draw after them, -m recent (which may
        // record the source) last: a rule's draw is taken only by packets its other matches let through.
        var rare = rule.Rare;
        return (rare is null || MatchesRare(rare, ref p, t, inDevice, outDevice))
            && (rule.Probability is not { } probability || _random.NextDouble() < probability)
            && (rare?.Recent is not { } recent || MatchRecent(recent, t.Source));
    }

    private bool MatchesRare(Rule.RareMatches rule, ref Packet p, in FiveTuple t, NetDevice? inDevice, NetDevice? outDevice) =>
        (rule.SourceNotIn is not { } outside || !outside.Contains(t.Source))
        && (!rule.NewConnectionOnly || (p.ConntrackEntry != 0 && !Conntrack[p.ConntrackEntry].Confirmed))
        && (!rule.EstablishedOnly || (p.ConntrackEntry != 0 && Conntrack[p.ConntrackEntry].Confirmed))
        && (rule.SourceSet is not { } set || set.Contains(t.Source))
        && (rule.DestinationSet is not { } dset || dset.Contains(t.Destination))
        && (rule.DestinationPortSet is not { } ports || ports.Contains(t.DestinationPort))
        && (rule.SourceNotInAny is not { } notSources || !Rule.InAny(notSources, t.Source))
        && (rule.DestinationNotInAny is not { } notDestinations || !Rule.InAny(notDestinations, t.Destination))
        && (rule.DestinationNotIn is not { } away || !away.Contains(t.Destination))
        && (!rule.IcmpFragmentationNeeded || (t.Protocol == IpProtocol.Icmp && p.IcmpNextHopMtu > 0))
        && (rule.InInterface is null || Rule.InterfaceMatches(rule.InInterface, inDevice?.Name))
        && (rule.OutInterface is null || Rule.InterfaceMatches(rule.OutInterface, outDevice?.Name))
        && (rule.DestinationIsLocal is not { } local || local == _ns.IsLocal(t.Destination))
        && (rule.SourceIsLocal is not { } localSource || localSource == _ns.IsLocal(t.Source))
        && (rule.MarkSet is not { } mark || (p.Mark & mark) == mark);

    /// <summary>xt_recent's lists in this namespace: per name, each source's last time set (picoseconds).</summary>
    private Dictionary<string, Dictionary<uint, long>>? _recent;

    /// <summary>--set records the source now and matches; --rcheck --seconds --reap matches one set within the window and drops it once older.</summary>
    private bool MatchRecent(RecentMatch recent, Ipv4Address source)
    {
        long now = _ns.Host.Sim.Now.Picoseconds;
        _recent ??= new Dictionary<string, Dictionary<uint, long>>(StringComparer.Ordinal);
        if (!_recent.TryGetValue(recent.Name, out var list))
        {
            if (!recent.Set)
            {
                return false;
            }

            list = [];
            _recent[recent.Name] = list;
        }

        if (recent.Set)
        {
            list[source.Value] = now;
            return true;
        }

        if (!list.TryGetValue(source.Value, out long seen))
        {
            return false;
        }

        if (now - seen > recent.Seconds.Picoseconds)
        {
            list.Remove(source.Value); // --reap
            return false;
        }

        return true;
    }

    private void Dnat(ref PacketWalk walk, Rule rule, NetDevice? device)
    {
        ref var p = ref walk.P;
        ref var e = ref Conntrack[p.ConntrackEntry];
        var original = e.Original;
        ushort port = rule.NatPort == 0 ? original.DestinationPort : rule.NatPort;
        e.Reply = new FiveTuple(rule.NatAddress, e.Reply.Destination, original.Protocol, port, e.Reply.DestinationPort);
        walk.Charge(KernelStage.Nat, _ns, device);
        p.SetVisibleFlow(p.VisibleFlow with { Destination = rule.NatAddress, DestinationPort = port });
    }

    /// <summary>
    /// Source NAT to the rule's address (MASQUERADE: the outgoing device's), its port chosen as nf_nat_setup_info's
    /// get_unique_tuple does (<see cref="SnatPorts"/>). The chosen reply tuple may still clash at confirmation with
    /// a connection another CPU was setting up at the same time (insert_failed: the packet is dropped).
    /// </summary>
    private bool Snat(ref PacketWalk walk, Rule rule, NetDevice? outDevice)
    {
        ref var p = ref walk.P;
        ref var e = ref Conntrack[p.ConntrackEntry];
        Ipv4Address address;
        if (rule.Target == RuleTarget.Masquerade)
        {
            // inet_select_addr: the device's address, or failing that (a cali* veth has none) another address of
            // the namespace.
            if ((outDevice?.PrimaryAddress ?? _ns.AnyGlobalAddress()) is not { } primary)
            {
                return false; // no address to masquerade as
            }

            address = primary;
        }
        else
        {
            address = rule.NatAddress;
        }

        long now = _ns.Host.Sim.Now.Picoseconds;
        var reply = e.Reply with { Destination = address };
        if (reply.Protocol is IpProtocol.Tcp or IpProtocol.Udp)
        {
            var search = new SnatPorts.Search(this, p.Core, now + walk.CostPicoseconds, now, e.Tcp == TcpConntrackState.SynSent);
            ushort port = SnatPorts.Choose(ref search, reply, rule, ref _rovers[reply.Protocol == IpProtocol.Tcp ? 0 : 1]);
            reply = reply with { DestinationPort = port };
        }

        e.Reply = reply;
        walk.Charge(KernelStage.Nat, _ns, outDevice);
        p.SetVisibleFlow(p.VisibleFlow with { Source = address, SourcePort = reply.DestinationPort });
        return true;
    }

    /// <summary>
    /// The pre-5.0 kernels' port rovers (nf_nat_proto_tcp.c's and nf_nat_proto_udp.c's static u16): one per
    /// protocol for the whole kernel; one per namespace here, where only a node's root namespace masquerades.
    /// </summary>
    private readonly ushort[] _rovers = new ushort[2];

    private RngStream? _natRandom;

    /// <summary>
    /// prandom for NAT port offsets: a stream of its own (the namespace's "nat" stream), so that the ports drawn
    /// never move the rules' <c>statistic --mode random</c> draws; failing one, forked from the rules' on first use.
    /// </summary>
    internal RngStream NatRandom => _natRandom ??= new RngStream(_random.NextUInt64());
}

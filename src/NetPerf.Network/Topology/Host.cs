using NetPerf.Engine.Scheduling;
using NetPerf.Network.Cpu;
using NetPerf.Network.Packets;
using NetPerf.Network.Stack;

namespace NetPerf.Network.Topology;

/// <summary>
/// A Linux machine: its cores, its network namespaces (the root one and any others, such as pods'), and the
/// accounting of the CPU its kernel spends per stage and of the packets it drops per reason.
/// </summary>
public sealed class Host
{
    private readonly long[] _cpuByStage = new long[CostTable.Stages];
    private long[] _cpuByFlow = new long[16]; // flow ids are small dense integers given out by workloads; 0 is "no flow"
    private long[] _cpuByFlowAndStage = new long[16 * CostTable.Stages];
    private readonly long[] _drops = new long[Enum.GetValues<DropReason>().Length];
    private readonly List<NetworkNamespace> _namespaces = [];
    public Host(Testbed testbed, string name, CostTable costs, int cores)
        : this(testbed, name, costs, CreateCores(testbed, cores))
    {
    }

    /// <summary>
    /// A machine that runs on another's cores: a container (a kind node, a Docker host's client) whose kernel is
    /// the host's, so its work competes with every other container's on the same CPUs. Its CPU is still
    /// accounted to it, as the kernel's cgroups would.
    /// </summary>
    public Host(Testbed testbed, string name, CostTable costs, IReadOnlyList<Core> sharedCores)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(sharedCores.Count, 1);
        Testbed = testbed;
        Name = name;
        Sim = testbed.Sim;
        Entity = testbed.NextEntity();
        Pool = testbed.Pool;
        Costs = costs;
        Cores = sharedCores;
        Root = CreateNamespace("root");
    }

    private Engine.Random.RngStream? _interference;

    /// <summary>
    /// Other work that interrupts <paramref name="workPs"/> of a packet's work on a core (<see cref="KernelStage.Interference"/>):
    /// occurrences arrive as a Poisson process over the work at the table's rate, each lasting an exponential
    /// time with the row's mean. Accounted as Interference CPU of the flow (it is busy time of the core the
    /// packet waits through). Draws from this host's own stream, so results stay the same per seed.
    /// </summary>
    internal long Interference(long workPs, int flowId)
    {
        if (workPs <= 0 || (Costs.InterferencePerMillisecond <= 0 && Costs.PreemptionPerMillisecond <= 0))
        {
            return 0;
        }

        _interference ??= Testbed.Streams.Create($"{Name}/interference");
        long extra = Draw(KernelStage.Interference, Costs.InterferencePerMillisecond, workPs, flowId);
        return extra + Draw(KernelStage.Preemption, Costs.PreemptionPerMillisecond, workPs, flowId);
    }

    /// <summary>A Poisson number of occurrences over <paramref name="workPs"/>, each exponential with the stage's mean, accounted to it.</summary>
    private long Draw(KernelStage stage, double perMillisecond, long workPs, int flowId)
    {
        if (perMillisecond <= 0)
        {
            return 0;
        }

        double perPs = perMillisecond / 1e9;
        double meanPs = Costs[stage].FixedPicoseconds;
        long extra = 0;
        double t = -Math.Log(1 - _interference!.NextDouble()) / perPs;
        while (t < workPs)
        {
            extra += (long)(-Math.Log(1 - _interference.NextDouble()) * meanPs);
            t += -Math.Log(1 - _interference.NextDouble()) / perPs;
        }

        if (extra > 0)
        {
            AccountCpu(stage, extra, flowId);
        }

        return extra;
    }

    /// <summary>
    /// A stage's cost from the table as it runs on <paramref name="core"/> now: scaled by the core's
    /// <see cref="Core.WorkScale"/> (the state a transaction found the CPU in), the table's figure when that is 1.
    /// </summary>
    internal long OnCore(int core, long costPs)
    {
        double scale = Cores[core].WorkScale;
        return scale == 1 ? costPs : (long)Math.Round(costPs * scale);
    }

    private static Core[] CreateCores(Testbed testbed, int cores)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(cores, 1);
        return Enumerable.Range(0, cores).Select(i => new Core(testbed.Sim, i, stageCount: 1)).ToArray();
    }

    public Testbed Testbed { get; }

    private ConnectPorts? _connectPorts;

    /// <summary>The kernel's source-port choice for connect(), its secrets drawn on first use.</summary>
    internal ConnectPorts ConnectPorts => _connectPorts ??= new ConnectPorts(Testbed.Streams, Name);

    /// <summary>How the host's kernel line walks on from one connect()'s source port to the next; the modelled 6.18's by default.</summary>
    public ConnectPortSearch ConnectPortSearch { get; set; } = ConnectPortSearch.PerturbTable;
    public string Name { get; }
    public Simulator Sim { get; }

    /// <summary>
    /// The host's scheduling entity (<see cref="Simulator"/>): frames arriving from a link run as it, so the
    /// order of simultaneous events is the same however the hosts are split between event loops.
    /// </summary>
    public int Entity { get; }
    public PacketPool Pool { get; }
    public CostTable Costs { get; }

    /// <summary>The connect4 program on the host's root cgroup, if a CNI plugin attached one (Cilium's socket LB); every namespace's sockets run it.</summary>
    public Stack.ISocketAddressHook? SocketAddressHook { get; set; }
    public IReadOnlyList<Core> Cores { get; }

    /// <summary>The host's own namespace (init_net).</summary>
    public NetworkNamespace Root { get; }

    public IReadOnlyList<NetworkNamespace> Namespaces => _namespaces;

    public IPacketTracer? Tracer { get; set; }

    /// <summary>
    /// The iptables this machine's tools (kube-proxy, flanneld) write with: every namespace's iptables takes it
    /// when loaded (<see cref="NetworkNamespace.EnableNetfilter"/>). iptables-nft unless set.
    /// </summary>
    public Netfilter.IptablesBackend IptablesBackend { get; set; } = Netfilter.IptablesBackend.Nft;

    /// <summary>net.netfilter.nf_conntrack_max and the conntrack timeouts: global sysctls every namespace's table reads.</summary>
    public Netfilter.ConntrackSysctls Conntrack { get; } = new();

    /// <summary>Conntrack's counters summed over this host's namespaces (<c>conntrack -S</c> in each, added).</summary>
    public (long Drops, long EarlyDrops, long GcEarlyDrops, long InsertFailed, int Entries) ConntrackStatistics()
    {
        long drops = 0, early = 0, gc = 0, failed = 0;
        int entries = 0;
        foreach (var ns in _namespaces)
        {
            if (ns.Netfilter?.Conntrack is { } ct)
            {
                drops += ct.TableFullDrops;
                early += ct.EarlyDrops;
                gc += ct.GcEarlyDrops;
                failed += ct.InsertFailed;
                entries += ct.Count;
            }
        }

        return (drops, early, gc, failed, entries);
    }

    /// <summary>The BPF LRU maps loaded on this host (a datapath's conntrack and NAT maps), for their counters.</summary>
    public List<Bpf.ILruMapCounters> BpfLruMaps { get; } = [];

    /// <summary>Entries the host's BPF LRU maps reclaimed to make room, summed (each map's Evictions).</summary>
    public long BpfLruEvictions()
    {
        long evictions = 0;
        foreach (var map in BpfLruMaps)
        {
            evictions += map.Evictions;
        }

        return evictions;
    }

    /// <summary>Entries the host's BPF maps' user-space collectors deleted as expired (Cilium's conntrack garbage collector), summed.</summary>
    public long BpfMapGcDeletions()
    {
        long deleted = 0;
        foreach (var map in BpfLruMaps)
        {
            deleted += map.Deletions;
        }

        return deleted;
    }

    public NetworkNamespace CreateNamespace(string name)
    {
        if (_namespaces.Any(n => n.Name == name))
        {
            throw new ArgumentException($"host {Name} already has a namespace named '{name}'.", nameof(name));
        }

        var ns = new NetworkNamespace(this, name);
        _namespaces.Add(ns);
        return ns;
    }

    /// <summary>CPU time the kernel spent in <paramref name="stage"/>, on all cores, in picoseconds.</summary>
    public long CpuPicosecondsOf(KernelStage stage) => _cpuByStage[(int)stage];

    public long TotalCpuPicoseconds => _cpuByStage.Sum();

    public long Drops(DropReason reason) => _drops[(int)reason];

    /// <summary>CPU time this host's kernel spent on packets of workload flow <paramref name="flowId"/>.</summary>
    public long CpuPicosecondsOfFlow(int flowId) => flowId < _cpuByFlow.Length ? _cpuByFlow[flowId] : 0;

    /// <summary>CPU time this host's kernel spent in <paramref name="stage"/> on packets of flow <paramref name="flowId"/>.</summary>
    public long CpuPicosecondsOfFlow(int flowId, KernelStage stage) =>
        flowId < _cpuByFlow.Length ? _cpuByFlowAndStage[(flowId * CostTable.Stages) + (int)stage] : 0;

    /// <summary>CPU time applications (not the kernel) spent on this host's cores, in picoseconds.</summary>
    public long ApplicationCpuPicoseconds { get; private set; }

    /// <summary>
    /// Runs kernel work that belongs to no packet on <paramref name="core"/>: a recv() syscall copying
    /// <paramref name="bytes"/> to user space, a write() before its data becomes segments. Accounted to
    /// <paramref name="stage"/> and <paramref name="flowId"/>; <c>done.OnEvent(kind, arg)</c> when it completes.
    /// </summary>
    public void RunKernelWork(int core, KernelStage stage, int bytes, int flowId, Engine.Scheduling.IEventHandler? done = null, int kind = 0, long arg = 0)
    {
        long cost = OnCore(core, Costs.Of(stage, bytes));
        AccountCpu(stage, cost, flowId);
        cost += Interference(cost, flowId);
        Cores[core].Submit(new Engine.Time.SimTime(cost), 0, done, kind, arg);
    }

    /// <summary>Runs an application's own work (a server's service time) on <paramref name="core"/>, competing with the kernel's.</summary>
    public void RunApplicationWork(int core, Engine.Time.SimTime work, Engine.Scheduling.IEventHandler? done, int kind = 0, long arg = 0)
    {
        ApplicationCpuPicoseconds += work.Picoseconds;
        Cores[core].Submit(work, 0, done, kind, arg);
    }

    internal void AccountCpu(KernelStage stage, long ps, int flowId)
    {
        _cpuByStage[(int)stage] += ps;
        if ((uint)flowId >= (uint)_cpuByFlow.Length)
        {
            GrowFlows(flowId);
        }

        _cpuByFlow[flowId] += ps;
        _cpuByFlowAndStage[(flowId * CostTable.Stages) + (int)stage] += ps;
    }

    private void GrowFlows(int flowId)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(flowId);
        Array.Resize(ref _cpuByFlow, Math.Max(flowId + 1, _cpuByFlow.Length * 2));
        Array.Resize(ref _cpuByFlowAndStage, _cpuByFlow.Length * CostTable.Stages);
    }

    internal void CountDrop(DropReason reason) => _drops[(int)reason]++;

    /// <summary>RSTs the kernel sent for segments no socket took (netstat -s: TcpOutRsts, that part of it).</summary>
    public long ResetsSent { get; private set; }

    internal void CountResetSent() => ResetsSent++;
}

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
    private readonly long[] _drops = new long[Enum.GetValues<DropReason>().Length];
    private readonly List<NetworkNamespace> _namespaces = [];
    public Host(Testbed testbed, string name, CostTable costs, int cores)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(cores, 1);
        Testbed = testbed;
        Name = name;
        Sim = testbed.Sim;
        Pool = testbed.Pool;
        Costs = costs;
        Cores = Enumerable.Range(0, cores).Select(i => new Core(Sim, i, stageCount: 1)).ToArray();
        Root = CreateNamespace("root");
    }

    public Testbed Testbed { get; }
    public string Name { get; }
    public Simulator Sim { get; }
    public PacketPool Pool { get; }
    public CostTable Costs { get; }
    public IReadOnlyList<Core> Cores { get; }

    /// <summary>The host's own namespace (init_net).</summary>
    public NetworkNamespace Root { get; }

    public IReadOnlyList<NetworkNamespace> Namespaces => _namespaces;

    public IPacketTracer? Tracer { get; set; }

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

    internal void AccountCpu(KernelStage stage, long ps, int flowId)
    {
        _cpuByStage[(int)stage] += ps;
        if ((uint)flowId >= (uint)_cpuByFlow.Length)
        {
            GrowFlows(flowId);
        }

        _cpuByFlow[flowId] += ps;
    }

    private void GrowFlows(int flowId)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(flowId);
        Array.Resize(ref _cpuByFlow, Math.Max(flowId + 1, _cpuByFlow.Length * 2));
    }

    internal void CountDrop(DropReason reason) => _drops[(int)reason]++;

}

using NetPerf.Engine.Time;
using NetPerf.Network.Cpu;
using NetPerf.Network.Devices;
using NetPerf.Network.Netfilter;
using NetPerf.Network.Stack;
using NetPerf.Network.Topology;
using NetPerf.Scenarios.Model;
using NetPerf.Scenarios.Running;

namespace NetPerf.Scenarios.Tracing;

/// <summary>
/// One request/response transaction of a workload over a path, hop by hop: every kernel stage its packets
/// cross, on which node, namespace, device and core, when, and at what CPU cost; plus any drop. The traced
/// transaction is the third on its connection, so the handshake and slow start are behind it and it costs what
/// each transaction of a steady run costs. Streams, having no transactions, are traced as the request/response test of their protocol (TCP_RR, UDP_RR).
/// </summary>
public sealed class PathTrace : IPacketTracer, INetfilterTracer
{
    private const int TracedTransaction = 3;

    private readonly List<TraceHop> _hops = [];
    private readonly List<string> _drops = [];
    private readonly HashSet<Host> _fabric = [];
    private readonly List<FabricCrossing> _crossings = [];
    private readonly Dictionary<int, int> _crossingOf = [];
    private SimTime _start;
    private bool _recording;

    public IReadOnlyList<TraceHop> Hops => _hops;
    public IReadOnlyList<string> Drops => _drops;

    /// <summary>
    /// The fabric's boxes each packet of the transaction crossed, in order (ToRs and spines, with racks): which
    /// spine a flow's ECMP hash picked at its ToR. They forward in hardware, so they are no hop of <see cref="Hops"/>
    /// (no kernel stage, no CPU); empty on one switch.
    /// </summary>
    public IReadOnlyList<FabricCrossing> Fabric => _crossings;

    /// <summary>The traced transaction's latency, as the client saw it.</summary>
    public SimTime Latency { get; private set; }

    public double TotalCpuNanoseconds => _hops.Sum(h => h.CostNanoseconds);

    /// <summary>CPU by stage over the whole transaction, in stage order.</summary>
    public IReadOnlyList<(KernelStage Stage, int Times, double Nanoseconds)> ByStage =>
        _hops.GroupBy(h => h.Stage).OrderBy(g => g.Key).Select(g => (g.Key, g.Count(), g.Sum(h => h.CostNanoseconds))).ToList();

    public static PathTrace Run(Scenario scenario, Variant variant, WorkloadSpec workload, CommunicationPath path)
    {
        var rr = workload with { Test = workload.Test.TracedAs };
        rr = rr with { Clients = 1 };
        var build = new ClusterBuild(scenario, variant, scenario.Seed, path == CommunicationPath.LoadBalancer, rr.Protocol, ClusterBuild.ReachesOutside(workload, path));
        if (rr.Service is { } served)
        {
            build.CreateHeldService(served); // traced as it runs: after its Service's addService (validation has it start then or later)
        }

        build.CreateHeldManifestServices(); // a route to one is traced as it runs once the timeline has added it

        var unit = new RunUnit(0, variant, rr, path, 0);
        var (w, _) = PathRun.Prepare(build, unit);
        var trace = new PathTrace();
        foreach (var host in build.Hosts)
        {
            host.Tracer = trace;
        }

        if (build.Cluster.Fabric is { } fabric)
        {
            foreach (var box in fabric.TopOfRack.Select(t => t.Host).Concat(fabric.Spines.Select(s => s.Host)))
            {
                box.Tracer = trace;
                trace._fabric.Add(box);
            }
        }

        var sim = build.Cluster.Bed.Sim;
        int completed = 0;
        w.Measurement.OnCompleted = () =>
        {
            completed++;
            if (completed == TracedTransaction - 1)
            {
                trace._recording = true;
                trace._start = sim.Now;
            }
            else if (completed == TracedTransaction)
            {
                trace._recording = false;
                trace.Latency = sim.Now - trace._start;
                sim.Stop();
            }
        };
        w.Measurement.StartMeasuring();
        w.Start();
        sim.RunUntil(sim.Now + SimTime.FromSeconds(10));
        if (completed < TracedTransaction)
        {
            throw new InvalidOperationException(
                $"the {path.Name()} path did not complete {TracedTransaction} transactions in 10 s of simulated time; drops: {string.Join(", ", trace._drops.DefaultIfEmpty("none"))}.");
        }

        return trace;
    }

    void IPacketTracer.OnStage(int packet, KernelStage stage, NetworkNamespace ns, NetDevice? device, int core, long costPicoseconds)
    {
        if (_recording && _fabric.Contains(ns.Host))
        {
            OnFabric(packet, ns.Host, device);
        }
        else if (_recording)
        {
            var at = ns.Host.Sim.Now - _start;
            var flow = ns.Host.Pool[packet].VisibleFlow;
            _hops.Add(new TraceHop(_hops.Count + 1, at.TotalMicroseconds, packet, ns.Host.Name, ns.Name, device?.Name, stage, core, costPicoseconds / 1000.0)
            {
                Flow = $"{flow.Source}:{flow.SourcePort} > {flow.Destination}:{flow.DestinationPort}",
            });
        }
    }

    /// <summary>A packet in a fabric box: a new box on its way is appended (a box's several stages are one crossing).</summary>
    private void OnFabric(int packet, Host box, NetDevice? device)
    {
        var visible = box.Pool[packet].VisibleFlow;
        string flow = $"{visible.Source}:{visible.SourcePort} > {visible.Destination}:{visible.DestinationPort}";
        bool Crossed(string b) => b == box.Name || b.StartsWith(box.Name + "/", StringComparison.Ordinal);
        // Pooled packets reuse their index: another flow, or a box this one already crossed, is another packet.
        if (!_crossingOf.TryGetValue(packet, out int i) || _crossings[i].Flow != flow
            || _crossings[i].Boxes.Take(_crossings[i].Boxes.Count - 1).Any(Crossed))
        {
            i = _crossings.Count;
            _crossings.Add(new FabricCrossing(packet, flow));
            _crossingOf[packet] = i;
        }

        var boxes = _crossings[i].Boxes;
        if (boxes.Count == 0 || !Crossed(boxes[^1]))
        {
            boxes.Add(device is null ? box.Name : $"{box.Name}/{device.Name}");
        }
    }

    void INetfilterTracer.OnHook(int packet, NetfilterHook hook, NetworkNamespace ns, NetDevice? device)
    {
        // Called right after the hook's NetfilterHook stage was charged: name it.
        if (_recording && _hops.Count > 0 && _hops[^1].Stage == KernelStage.NetfilterHook && _hops[^1].Packet == packet)
        {
            _hops[^1] = _hops[^1] with { Hook = HookName(hook) };
        }
    }

    private static string HookName(NetfilterHook hook) => hook switch
    {
        NetfilterHook.PreRouting => "PREROUTING",
        NetfilterHook.Input => "INPUT",
        NetfilterHook.Forward => "FORWARD",
        NetfilterHook.Output => "OUTPUT",
        NetfilterHook.PostRouting => "POSTROUTING",
        _ => hook.ToString().ToUpperInvariant(),
    };

    void IPacketTracer.OnDrop(int packet, DropReason reason, NetDevice? device)
    {
        // Only the traced transaction's drops: a copy the bridge flooded while it had not yet learned a MAC
        // (the connection's first packets, the DNS lookup) is no part of it, and read as an unexplained drop.
        if (!_recording)
        {
            return;
        }

        string why = reason == DropReason.OtherHost ? " (a copy the bridge flooded to every port while it did not know the destination's MAC; the stations it was not for drop it, as Linux does PACKET_OTHERHOST)" : "";
        _drops.Add($"packet {packet} dropped{(device is null ? "" : $" at {device.Namespace.Host.Name}/{device.Namespace.Name}/{device.Name}")}: {reason}{why}");
    }
}

/// <summary>One traced packet's way through the fabric: its addresses as the fabric saw them, and each box (with the port it came in on).</summary>
public sealed record FabricCrossing(int Packet, string Flow)
{
    public List<string> Boxes { get; } = [];
}

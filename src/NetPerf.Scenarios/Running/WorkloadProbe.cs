using NetPerf.Engine.Time;
using NetPerf.Network.Cpu;
using NetPerf.Network.Devices;
using NetPerf.Network.Stack;
using NetPerf.Network.Topology;
using NetPerf.Scenarios.Loading;
using NetPerf.Scenarios.Model;

namespace NetPerf.Scenarios.Running;

/// <summary>
/// Before a run: each workload's first transaction over each of its paths on each variant, on a cluster built as
/// the run builds it, so that a workload that can measure nothing (a NetworkPolicy that denies its traffic, a
/// name CoreDNS cannot answer, a protocol the path does not carry) is refused at its line, with the drops that
/// stopped it, instead of running and leaving empty rows. One probe per variant, protocol and path (and route, for
/// a workload between objects): what differs between workloads beyond that (sizes, clients, service time) cannot
/// stop a first transaction.
/// Streams are probed as the request/response test of their protocol, as a trace follows them.
/// </summary>
public static class WorkloadProbe
{
    /// <summary>How long a first transaction may take: past TCP's third SYN retransmission (1 s, 3 s, 7 s) and glibc's 5 s DNS timeout.</summary>
    public static readonly SimTime Limit = SimTime.FromSeconds(10);

    /// <summary>Every unit of <paramref name="options"/> that cannot complete one transaction, as located errors; throws <see cref="ScenarioException"/> if any.</summary>
    public static void Check(Scenario scenario, RunOptions options)
    {
        var units = ScenarioRunner.Units(scenario, options with { Quick = true });
        // A workload between objects is probed on its own: its client and server are its own, not the path's.
        static (string, Network.Packets.IpProtocol, CommunicationPath, string?) Key(RunUnit u) => (u.Variant.Name, u.Workload.Protocol, u.Path, u.Workload.Route?.ToString());
        var first = units.DistinctBy(Key).ToList();
        var found = new string?[first.Count];
        Parallel.For(0, first.Count, new ParallelOptions { MaxDegreeOfParallelism = Math.Max(1, options.Parallelism) }, i => found[i] = Probe(scenario, first[i]));
        var verdicts = first.Select((u, i) => (Key(u), found[i])).ToDictionary(x => x.Item1, x => x.Item2);
        var errors = new List<ScenarioError>();
        var locate = ScenarioReader.Locator(scenario);
        foreach (var unit in units)
        {
            if (verdicts[Key(unit)] is not { } why)
            {
                continue;
            }

            int w = scenario.Workloads.ToList().IndexOf(unit.Workload);
            int p = unit.Workload.Paths.ToList().IndexOf(unit.Path);
            errors.Add(locate(["workloads", w, "paths", p], ["workloads", w, "test"], ["workloads", w],
                $"workloads[{w}] ({unit.Workload.Name}, {unit.Workload.Test}) can measure nothing over {unit.Path.Name()} on {unit.Variant.Name}: {why}"));
        }

        if (errors.Count > 0)
        {
            throw new ScenarioException([.. errors.OrderBy(e => e.Line).ThenBy(e => e.Column)]);
        }
    }

    /// <summary>Null when the unit's first transaction completes; otherwise what stopped it.</summary>
    public static string? Probe(Scenario scenario, RunUnit unit)
    {
        var rr = unit with { Workload = unit.Workload with { Test = unit.Workload.Test.TracedAs, Clients = 1 } };
        var build = new ClusterBuild(scenario, unit.Variant, scenario.Seed, unit.Path == CommunicationPath.LoadBalancer, rr.Workload.Protocol, ClusterBuild.ReachesOutside(unit.Workload, unit.Path));
        if (rr.Workload.Service is { } served)
        {
            build.CreateHeldService(served); // the workload starts at or after its Service's addService (validated)
        }

        build.CreateHeldManifestServices(); // a route to one is probed as it runs once the timeline has added it

        Workloads.IWorkload workload;
        try
        {
            (workload, _) = PathRun.Prepare(build, rr);
        }
        catch (InvalidOperationException e)
        {
            return e.Message.TrimEnd('.');
        }

        var drops = new DropLog();
        foreach (var host in build.Hosts)
        {
            host.Tracer = drops;
        }

        var sim = build.Cluster.Bed.Sim;
        bool done = false;
        workload.Measurement.OnCompleted = () =>
        {
            done = true;
            sim.Stop();
        };
        workload.Measurement.StartMeasuring();
        sim.ActAs(workload.Endpoints.Client.Host.Entity);
        workload.Start();
        sim.ActAs(0);
        sim.RunUntil(sim.Now + Limit);
        if (done)
        {
            return null;
        }

        string policies = build.Policies is { IsEnforced: true } enforced && (drops.Reasons.Contains(DropReason.Netfilter) || drops.Reasons.Contains(DropReason.TcShot))
            ? unit.Workload.Route is { ClientPod: { } clientName } egressRoute && egressRoute.ServerPods.Count > 0
                && build.Cluster.Pod(clientName) is var clientPod && build.Cluster.Pod(egressRoute.ServerPods[0]) is var serverPod
                && !enforced.AllowsEgress(clientPod, serverPod, unit.Workload.Protocol, egressRoute.ListenPort)
                ? $"; an egress NetworkPolicy isolates the client ({clientName}) and none of its rules allows {unit.Workload.Protocol.ToString().ToUpperInvariant()} to port {egressRoute.ListenPort} on {serverPod.Name}"
            : unit.Workload.Route is { } route
                ? $"; a NetworkPolicy selects the server and none of its rules allows {unit.Workload.Protocol.ToString().ToUpperInvariant()} to port {route.ListenPort} from the client ({route.ClientPod ?? route.From})"
                : $"; the scenario's networkPolicies select the server and none of their rules allows {unit.Workload.Protocol.ToString().ToUpperInvariant()} to port {ClusterLayout.ServerPort} from the client (a policy's ports are TCP)"
            : "";
        return $"no transaction completed in {Limit.TotalSeconds} s of simulated time; {(drops.Lines.Count == 0 ? "nothing was dropped (no answer came)" : string.Join("; ", drops.Lines.Distinct().Take(3)))}{policies}";
    }

    /// <summary>The drops of a probe, where they happened (a bridge's flooded copies left out: their own destination got the original).</summary>
    private sealed class DropLog : IPacketTracer
    {
        public List<string> Lines { get; } = [];
        public HashSet<DropReason> Reasons { get; } = [];

        public void OnStage(int packet, KernelStage stage, NetworkNamespace ns, NetDevice? device, int core, long costPicoseconds)
        {
        }

        public void OnDrop(int packet, DropReason reason, NetDevice? device)
        {
            if (reason == DropReason.OtherHost)
            {
                return;
            }

            Reasons.Add(reason);
            Lines.Add($"dropped{(device is null ? "" : $" at {device.Namespace.Host.Name}/{device.Namespace.Name}/{device.Name}")} ({reason})");
        }
    }
}

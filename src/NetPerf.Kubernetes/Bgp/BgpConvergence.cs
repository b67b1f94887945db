using NetPerf.Engine.Time;
using NetPerf.Kubernetes.Cluster;
using NetPerf.Kubernetes.Cni;

namespace NetPerf.Kubernetes.Bgp;

/// <summary>
/// Runs a <see cref="BgpExperiment"/>: builds the Calico cluster with BGP routing, starts the speakers at time
/// zero, applies the churn at its times, and reads convergence from the speakers' route log.
/// </summary>
public static class BgpConvergence
{
    public static BgpConvergenceResult Run(BgpExperiment experiment)
    {
        ArgumentNullException.ThrowIfNull(experiment);
        if (experiment.FailNode is { } f && (f < 1 || f > experiment.Nodes))
        {
            throw new ArgumentOutOfRangeException(nameof(experiment), f, $"the node to fail must be one of 1 to {experiment.Nodes}.");
        }

        var cluster = new KubernetesCluster(
            new ClusterOptions { Nodes = experiment.Nodes, Seed = experiment.Seed },
            new CalicoRouted(experiment.Ipip, CalicoRouting.Bgp));
        var plane = new BgpControlPlane(cluster, experiment.Topology, experiment.Timers, experiment.Reflectors);
        var sim = cluster.Bed.Sim;

        var churn = new List<SimTime>();
        if (experiment.FailNode is not null)
        {
            churn.Add(experiment.FailAt);
        }

        if (experiment.JoinNode)
        {
            churn.Add(experiment.JoinAt);
        }

        churn.Sort();
        var firstChurn = churn.Count > 0 ? churn[0] : (SimTime?)null;
        var end = experiment.Duration
            ?? (churn.Count > 0 ? churn[^1] : SimTime.Zero) + experiment.Timers.Hold + experiment.Timers.ConnectDelay + SimTime.FromSeconds(10);

        if (firstChurn is { } first)
        {
            sim.RunUntil(SimTime.Min(first, end));
        }
        else
        {
            sim.RunUntil(end);
        }

        var initial = new BgpConvergenceResult
        {
            Nodes = experiment.Nodes,
            Topology = experiment.Topology == BgpTopology.FullMesh ? "full-mesh" : "route-reflectors",
            Reflectors = plane.Reflectors,
            Hold = experiment.Timers.Hold,
            Keepalive = experiment.Timers.Keepalive,
            Seed = experiment.Seed,
            Sessions = plane.EstablishedSessions,
            InitialConvergence = plane.InitialConvergence,
            InitialOpens = plane.Sent(BgpMessageType.Open),
            InitialUpdates = plane.Sent(BgpMessageType.Update),
            InitialKeepalives = plane.Sent(BgpMessageType.Keepalive),
            InitialBytes = plane.BytesSent,
        };

        // Churn in time order; at equal times the failure first.
        Node? failed = null;
        Node? joined = null;
        int peersOfFailed = 0;
        bool failDone = experiment.FailNode is null;
        bool joinDone = !experiment.JoinNode;
        while (!failDone || !joinDone)
        {
            bool failNext = !failDone && (joinDone || experiment.FailAt <= experiment.JoinAt);
            var at = failNext ? experiment.FailAt : experiment.JoinAt;
            if (at > end)
            {
                break;
            }

            sim.RunUntil(at);
            if (failNext)
            {
                failed = cluster.Node(experiment.FailNode!.Value);
                peersOfFailed = cluster.Nodes.Count(n => n != failed && !n.Failed && plane.HasRoute(n, failed));
                cluster.FailNode(failed.Index);
                failDone = true;
            }
            else
            {
                joined = cluster.AddNode();
                joinDone = true;
            }
        }

        sim.RunUntil(end);

        var result = initial with
        {
            Opens = plane.Sent(BgpMessageType.Open),
            Updates = plane.Sent(BgpMessageType.Update),
            Withdrawals = plane.Withdrawals,
            Keepalives = plane.Sent(BgpMessageType.Keepalive),
            Notifications = plane.Sent(BgpMessageType.Notification),
            BytesSent = plane.BytesSent,
        };

        if (failed is not null)
        {
            var removals = FirstChanges(plane, experiment.FailAt, c => c.Block == CalicoRouted.Block(failed) && !c.Installed && c.Node != failed.Index);
            result = result with
            {
                FailedNode = failed.Index,
                PeersOfFailedNode = peersOfFailed,
                PeersWithdrawn = removals.Count,
                WithdrawnFirst = removals.Count > 0 ? removals.Values.Min() - experiment.FailAt : null,
                WithdrawnLast = removals.Count > 0 && removals.Count == peersOfFailed ? removals.Values.Max() - experiment.FailAt : null,
            };
        }

        if (joined is not null)
        {
            var others = cluster.Nodes.Where(n => n != joined && !n.Failed).ToList();
            var reached = FirstChanges(plane, experiment.JoinAt, c => c.Block == CalicoRouted.Block(joined) && c.Installed && c.Node != joined.Index);
            bool allReached = others.All(n => reached.ContainsKey(n.Index));
            var learned = others
                .Select(n => FirstChanges(plane, experiment.JoinAt, c => c.Node == joined.Index && c.Installed && c.Block == CalicoRouted.Block(n)))
                .ToList();
            bool allLearned = learned.All(l => l.Count > 0);
            result = result with
            {
                JoinedNode = joined.Index,
                JoinReachableFromAll = allReached && others.Count > 0 ? others.Max(n => reached[n.Index]) - experiment.JoinAt : null,
                JoinLearnedAll = allLearned && others.Count > 0 ? learned.Max(l => l.Values.Single()) - experiment.JoinAt : null,
            };
        }

        return result;
    }

    /// <summary>For each node, the time of its first route change at or after <paramref name="from"/> that matches.</summary>
    private static Dictionary<int, SimTime> FirstChanges(BgpControlPlane plane, SimTime from, Func<BgpRouteChange, bool> match)
    {
        var first = new Dictionary<int, SimTime>();
        foreach (var change in plane.RouteChanges)
        {
            if (change.Time >= from && match(change))
            {
                first.TryAdd(change.Node, change.Time);
            }
        }

        return first;
    }
}

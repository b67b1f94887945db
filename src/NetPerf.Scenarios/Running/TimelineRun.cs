using NetPerf.Engine.Scheduling;
using NetPerf.Engine.Time;
using NetPerf.Kubernetes.Cluster;
using NetPerf.Kubernetes.Controllers;
using NetPerf.Scenarios.Model;

namespace NetPerf.Scenarios.Running;

/// <summary>One thing that happened while a timeline ran, at a time of the measured window.</summary>
public sealed record TimelineRecord(SimTime At, string Event, string Object);

/// <summary>
/// Plays a scenario's timeline on a built cluster: each entry at its time after the warm-up, through the
/// deployments' controllers (so the EndpointSlice controller and kube-proxy's sync follow as they would), and
/// logs what followed: the actions, pods created, Ready, terminating, SIGTERM and deleted, kube-proxy's syncs
/// and the UDP conntrack entries they cleared.
/// </summary>
internal sealed class TimelineRun : IEventHandler
{
    private readonly ClusterBuild _build;
    private readonly IReadOnlyList<TimelineEvent> _events;
    private readonly SimTime _origin;
    private readonly List<TimelineRecord> _log = [];
    private readonly Dictionary<string, IReadOnlyList<Kubernetes.Services.Service>> _versions = new(StringComparer.Ordinal); // each patched Service's current version, per port, by its first port's name

    /// <param name="origin">When the measured window starts (the timeline's time 0).</param>
    /// <param name="workloads">The workloads of this simulation: another's start or stop is not this run's (the workload runner starts and stops them).</param>
    public TimelineRun(ClusterBuild build, IReadOnlyList<TimelineEvent> events, SimTime origin, IReadOnlySet<string> workloads)
    {
        _build = build;
        _events = events;
        _origin = origin;
        var sim = build.Cluster.Bed.Sim;
        for (int i = 0; i < events.Count; i++)
        {
            if (events[i].Action is not (TimelineAction.StartWorkload or TimelineAction.StopWorkload) || workloads.Contains(events[i].Target))
            {
                sim.Schedule(origin + events[i].At, this, 0, i);
            }
        }

        var ours = build.Deployments.Values.ToList();
        bool Ours(Pod p) => ours.Any(d => d.Pods.Contains(p));
        build.Cluster.PodAdded += p => Log("pod created", p.Name);
        build.Cluster.PodChanged += p =>
        {
            if (Ours(p))
            {
                Log(p.Terminating ? "pod terminating" : p.Ready ? "pod ready" : "pod not ready", p.Name);
            }
        };
        build.Cluster.PodRemoved += p => Log("pod deleted", p.Name);
        foreach (var deployment in ours)
        {
            deployment.ContainersStopping += p => Log("SIGTERM", p.Name);
            deployment.PodPending += (name, why) => Log($"pod pending: {why}", name); // FailedScheduling, as kubectl describe pod shows it
            deployment.PodScheduled += (name, node) => Log($"pod scheduled to {node.Name}", name);
        }

        if (build.NodeLifecycle is { } lifecycle)
        {
            lifecycle.NodeUnreachable += n => Log("node unreachable", n.Name);
            lifecycle.PodsEvicted += n => Log("pods evicted", n.Name);
        }
    }

    /// <summary>What happened, in time order; kube-proxy's syncs (started and programmed) come from its own record.</summary>
    public IReadOnlyList<TimelineRecord> Log()
    {
        var all = new List<TimelineRecord>(_log);
        if (_build.Sync is { } sync)
        {
            foreach (var s in sync.Syncs.Where(s => s.Started >= _origin))
            {
                string services = string.Join(" ", s.Services.Select(x => x.Name));
                all.Add(new TimelineRecord(s.Started - _origin, "kube-proxy sync started", services));
                all.Add(new TimelineRecord(s.Programmed - _origin, "kube-proxy rules programmed", services));
                if (s.ConntrackCleared > 0)
                {
                    // conntrack -D of the UDP flows DNATed to no serving endpoint, once the rules are in: how many, on every node.
                    all.Add(new TimelineRecord(s.Programmed - _origin, $"kube-proxy cleared {s.ConntrackCleared} UDP conntrack entries", services));
                }
            }
        }

        return [.. all.OrderBy(r => r.At)];
    }

    private void Log(string what, string name)
    {
        var now = _build.Cluster.Bed.Sim.Now;
        if (now >= _origin)
        {
            _log.Add(new TimelineRecord(now - _origin, what, name));
        }
    }

    void IEventHandler.OnEvent(int kind, long arg)
    {
        var e = _events[(int)arg];
        Log(e.Action.Name(), e.Object);
        switch (e.Action)
        {
            case TimelineAction.Roll:
                _build.Deployments[e.Target].Roll();
                break;
            case TimelineAction.Scale:
                _build.Deployments[e.Target].Scale(e.Replicas);
                break;
            case TimelineAction.DeletePod:
                var pod = _build.Cluster.Pods.FirstOrDefault(p => p.Name == e.Target);
                var owner = pod is null ? null : _build.Deployments.Values.FirstOrDefault(d => d.Pods.Contains(pod));
                if (pod is not null && owner is not null && !pod.Terminating)
                {
                    owner.Delete(pod);
                }
                else
                {
                    _log.Add(new TimelineRecord(_build.Cluster.Bed.Sim.Now - _origin, "nothing to delete", e.Target)); // deleted already
                }

                break;
            case TimelineAction.FailNode:
                Log("node failed", e.Target);
                _build.NodeLifecycle!.Fail(e.Node);
                break;
            case TimelineAction.AddNetworkPolicy:
                // The engine renders it as it renders every policy (felix's chains, weave-npc's ipsets, Cilium's
                // policy maps); connections already in conntrack stay allowed where the engine accepts
                // established traffic first.
                _build.Policies!.Add(_build.HeldPolicies[e.Target]);
                break;
            case TimelineAction.RemoveNetworkPolicy:
                _build.Policies!.Remove(e.Target);
                break;
            case TimelineAction.AddService:
                // The API server has it: CoreDNS serves its name from now on (its watch's latency is not
                // modelled), the EndpointSlice controller writes its slice, kube-proxy programs it at its next sync.
                // A manifest's Service of several ports is one per port, created together.
                var (added, dnsName, dnsNamespace) = _build.TimelineServices(e.Target);
                _build.Dns.AddService(dnsName, dnsNamespace, added[0].ClusterIp);
                foreach (var service in added)
                {
                    _build.Sync!.Create(service);
                }

                break;
            case TimelineAction.RemoveService:
                // Its rules stay until kube-proxy's next sync; the version kube-proxy knows (a patched one, after a setExternalTrafficPolicy) goes.
                var built0 = _build.TimelineServices(e.Target).Services;
                foreach (var service in _versions.GetValueOrDefault(built0[0].Name, built0))
                {
                    _build.Sync!.Delete(service);
                }

                break;
            case TimelineAction.SetExternalTrafficPolicy:
                // kubectl patch: the API server holds the new version at once; kube-proxy rewrites the Service's
                // chains at its next sync (a Service of several ports is one per port, patched together). A patch
                // to the policy it has already changes nothing, and no watch event follows.
                var built = _build.ExternalPolicyServices(e.Target);
                string key = built[0].Name; // one key however the entry spells it (a manifest's name, or namespace/name)
                var current = _versions.TryGetValue(key, out var v) ? v : built;
                if (current[0].ExternalTrafficPolicy == e.ExternalTrafficPolicy)
                {
                    break;
                }

                var patched = current.Select(x => x with { ExternalTrafficPolicy = e.ExternalTrafficPolicy }).ToList();
                for (int i = 0; i < current.Count; i++)
                {
                    _build.Sync!.Update(current[i], patched[i]);
                }

                _versions[key] = patched;
                break;
            case TimelineAction.StartWorkload or TimelineAction.StopWorkload:
                break; // logged only: the workload runner starts and stops it at this time, on its client's host
            case TimelineAction.UncordonNode:
                _build.Cluster.Uncordon(e.Node); // the scheduler places the Pending replicas (they log as pod scheduled)
                break;
            case TimelineAction.DrainNode:
                Log("node cordoned", e.Target);
                Kubernetes.Controllers.NodeDrain.Drain(_build.Cluster, _build.Deployments.Values, e.Node); // the evictions log as pods terminating
                break;
        }
    }
}

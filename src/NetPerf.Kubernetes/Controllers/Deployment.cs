using NetPerf.Engine.Scheduling;
using NetPerf.Engine.Time;
using NetPerf.Kubernetes.Cluster;
using NetPerf.Kubernetes.Scheduling;

namespace NetPerf.Kubernetes.Controllers;

/// <summary>
/// A Deployment with the controllers that act on it: the deployment controller's rolling update
/// (pkg/controller/deployment/rolling.go), the ReplicaSet controller keeping the replica count, and the kubelet's
/// side of each pod's life (Ready after the readiness delay; on deletion the preStop hook, then SIGTERM, then the
/// pod object gone once the exit is noticed, or at the grace period's end). Its pods are named
/// <c>name-N</c>, N counting up from 0 and never reused, placed round robin over its nodes, skipping a node that
/// is not schedulable (cordoned, or tainted unreachable by the node lifecycle controller), as kube-scheduler's
/// NodeUnschedulable and TaintToleration filters do. With none of its nodes schedulable a new replica stays
/// Pending (<see cref="PendingPods"/>): counted by the ReplicaSet (it creates no other in its place), not in the
/// cluster (no node, no address, in no EndpointSlice), scheduled when a node becomes schedulable again
/// (<see cref="KubernetesCluster.Uncordon"/>), deleted first on a scale-down. Pods are created and deleted
/// through the cluster, so the EndpointSlice controller and kube-proxy follow them as they would.
/// </summary>
public sealed class Deployment : IEventHandler
{
    private const int ReadyKind = 0;
    private const int SigtermKind = 1;
    private const int GoneKind = 2;

    private readonly KubernetesCluster _cluster;
    private readonly IReadOnlyList<int> _nodes;
    private readonly List<(Pod Pod, int Revision)> _pods = [];
    private readonly List<(string Name, int Revision)> _pending = []; // created, not scheduled; oldest first
    private int _serial;

    /// <summary>Creates the Deployment with <paramref name="replicas"/> pods already Ready (it has been up for long).</summary>
    public Deployment(KubernetesCluster cluster, string name, int replicas, IReadOnlyDictionary<string, string> labels,
        IReadOnlyList<int> nodes, RollingUpdate? strategy = null, PodLifecycle? lifecycle = null)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(replicas);
        _cluster = cluster;
        Name = name;
        Labels = labels;
        _nodes = nodes.Count > 0 ? nodes : [.. cluster.Nodes.Select(n => n.Index)];
        Replicas = replicas;
        Strategy = strategy ?? RollingUpdate.Default(replicas);
        Lifecycle = lifecycle ?? new PodLifecycle();
        for (int r = 0; r < replicas; r++)
        {
            Create(ready: true);
        }

        cluster.NodeSchedulable += _ => SchedulePending();
    }

    public string Name { get; }
    public IReadOnlyDictionary<string, string> Labels { get; }

    /// <summary>spec.replicas.</summary>
    public int Replicas { get; private set; }

    /// <summary>The pod template's revision: 1, and one more per <see cref="Roll"/>.</summary>
    public int Revision { get; private set; } = 1;

    public RollingUpdate Strategy { get; }
    public PodLifecycle Lifecycle { get; }

    /// <summary>A pod's containers started, now (its server can listen; it is not Ready yet unless the delay is 0).</summary>
    public event Action<Pod>? ContainersStarted;

    /// <summary>A replica could not be scheduled, now: its name and kube-scheduler's FailedScheduling message.</summary>
    public event Action<string, string>? PodPending;

    /// <summary>A Pending replica was scheduled, now: its name and its node (it is created on the node next).</summary>
    public event Action<string, Node>? PodScheduled;

    /// <summary>SIGTERM reached a pod's containers, now (after its preStop hook, or at the grace period's end).</summary>
    public event Action<Pod>? ContainersStopping;

    /// <summary>Pods that exist (terminating ones included, deleted ones not), oldest first.</summary>
    public IReadOnlyList<Pod> Pods => [.. _pods.Select(p => p.Pod).Where(p => !p.Deleted)];

    /// <summary>Replicas the ReplicaSet created that kube-scheduler could not place (kubectl shows them Pending, no IP, no node), oldest first.</summary>
    public IReadOnlyList<string> PendingPods => [.. _pending.Select(p => p.Name)];

    private Simulator Sim => _cluster.Bed.Sim;

    /// <summary>kubectl scale: the ReplicaSet adds pods or deletes the surplus (Pending ones first, then not-ready ones, then the newest).</summary>
    public void Scale(int replicas)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(replicas);
        Replicas = replicas;
        Reconcile();
    }

    /// <summary>kubectl rollout restart: a new revision of the template, rolled out by the strategy.</summary>
    public void Roll()
    {
        Revision++;
        Reconcile();
    }

    /// <summary>kubectl delete pod: the pod terminates and the ReplicaSet replaces it at once.</summary>
    public void Delete(Pod pod)
    {
        if (!_pods.Any(p => p.Pod == pod))
        {
            throw new ArgumentException($"pod {pod.Name} is not one of deployment {Name}'s.", nameof(pod));
        }

        Terminate(pod);
        Reconcile();
    }

    /// <summary>
    /// The API server deletes a pod whose kubelet is gone (a failed node's, evicted by the taint eviction
    /// controller): it is terminating and the ReplicaSet replaces it at once, but no kubelet runs its preStop or
    /// SIGTERM or reports its exit, so the object stays Terminating (until the node comes back or someone force
    /// deletes it; PodGC's gcTerminating acts only on a node with the out-of-service taint).
    /// </summary>
    public void DeleteOnLostNode(Pod pod)
    {
        if (!_pods.Any(p => p.Pod == pod))
        {
            throw new ArgumentException($"pod {pod.Name} is not one of deployment {Name}'s.", nameof(pod));
        }

        _cluster.BeginTermination(pod);
        Reconcile();
    }

    /// <summary>
    /// The controllers' sync: scale the new revision up within maxSurge, then the old ones down as far as
    /// maxUnavailable allows (rolling.go: maxScaledDown = all pods - (replicas - maxUnavailable) - new pods not
    /// yet available; old pods that are not Ready go first, as cleanupUnhealthyReplicas takes them). Terminating
    /// pods are counted nowhere, as a ReplicaSet's status.replicas leaves them out.
    /// </summary>
    private void Reconcile()
    {
        // A step that scaled the old pods down makes room for the new ones at once: the controller's next sync,
        // which the ReplicaSets' status change triggers, in the same instant here.
        while (Step())
        {
        }
    }

    /// <summary>One sync of the controllers; true if it deleted an old pod (so the next may scale up).</summary>
    private bool Step()
    {
        // A Pending replica counts as its revision's (status.replicas counts it), never as available.
        var alive = _pods.Where(p => !p.Pod.Terminating).ToList();
        var current = alive.Where(p => p.Revision == Revision).Select(p => p.Pod).ToList();
        var old = alive.Where(p => p.Revision != Revision).Select(p => p.Pod).ToList();
        var oldPending = _pending.Where(p => p.Revision != Revision).ToList();
        int PendingNow() => _pending.Count(p => p.Revision == Revision);
        if (old.Count == 0 && oldPending.Count == 0)
        {
            // Not rolling: the ReplicaSet alone, to the replica count.
            for (int i = current.Count + PendingNow(); i < Replicas; i++)
            {
                Create(ready: false);
            }

            // The surplus by ActivePods' order (pkg/controller/controller_utils.go): unassigned (Pending) pods
            // first, then not Ready before Ready, newer before older.
            int surplus = current.Count + PendingNow() - Replicas;
            for (; surplus > 0 && _pending.Count > 0; surplus--)
            {
                _pending.RemoveAt(_pending.Count - 1); // an unscheduled pod is deleted at once: no kubelet has it
            }

            foreach (var pod in current.OrderBy(p => p.Ready).ThenByDescending(Serial).Take(Math.Max(0, surplus)).ToList())
            {
                Terminate(pod);
            }

            return false;
        }

        int up = Math.Min(Replicas + Strategy.MaxSurge - alive.Count - _pending.Count, Replicas - current.Count - PendingNow());
        for (int i = 0; i < up; i++)
        {
            if (Create(ready: false) is { } created)
            {
                current.Add(created);
            }
        }

        int total = current.Count + PendingNow() + old.Count + oldPending.Count;
        int down = total - (Replicas - Strategy.MaxUnavailable) - current.Count(p => !p.Ready) - PendingNow();
        bool deleted = false;
        foreach (var pending in oldPending)
        {
            // Unavailable old replicas go first (cleanupUnhealthyReplicas), a Pending one at once.
            _pending.Remove(pending);
            down--;
            deleted = true;
        }

        foreach (var pod in old.Where(p => !p.Ready).ToList())
        {
            Terminate(pod);
            old.Remove(pod);
            down--;
            deleted = true;
        }

        foreach (var pod in old.OrderBy(Serial).Take(Math.Max(0, down)).ToList())
        {
            Terminate(pod);
            deleted = true;
        }

        return deleted;
    }

    private int Serial(Pod pod) => int.Parse(pod.Name.AsSpan(Name.Length + 1), System.Globalization.CultureInfo.InvariantCulture);

    /// <summary>The ReplicaSet creates a replica of the current revision: scheduled now, or left Pending.</summary>
    private Pod? Create(bool ready)
    {
        int serial = _serial++;
        string name = $"{Name}-{serial}";
        if (NodeFor(serial) is { } node)
        {
            return Start(name, node, Revision, ready);
        }

        _pending.Add((name, Revision));
        PodPending?.Invoke(name, Unschedulable());
        return null;
    }

    /// <summary>The round robin's node for pod <paramref name="serial"/>, or the first schedulable one after it; null: none is.</summary>
    private int? NodeFor(int serial)
    {
        int at0 = serial % _nodes.Count;
        int k = Enumerable.Range(0, _nodes.Count).Select(i => (at0 + i) % _nodes.Count).FirstOrDefault(i => _cluster.Node(_nodes[i]).Schedulable, -1);
        return k < 0 ? null : _nodes[k];
    }

    /// <summary>
    /// FailedScheduling's message (framework/types.go FitError): each node refused by the first filter that fails
    /// on it in kube-scheduler's order, NodeUnschedulable (cordoned), TaintToleration (the unreachable NoSchedule
    /// taint; the DefaultTolerationSeconds toleration covers only NoExecute), NodeAffinity (not one of the
    /// deployment's nodes); each unresolvable, so preemption is not helpful.
    /// </summary>
    private string Unschedulable() => SchedulingDiagnosis.Message([.. _cluster.Nodes.Select(n => FilterStatus.UnschedulableAndUnresolvable(
        n.Unschedulable ? SchedulerMessages.NodeUnschedulable
        : n.Unreachable ? string.Format(System.Globalization.CultureInfo.InvariantCulture, SchedulerMessages.UntoleratedTaint, Node.UnreachableTaint, "")
        : SchedulerMessages.NodeAffinityMismatch))]);

    /// <summary>kube-scheduler's retry on a node that became schedulable: the Pending replicas, oldest first, each on its round robin's node.</summary>
    private void SchedulePending()
    {
        foreach (var (name, revision) in _pending.ToList())
        {
            int serial = int.Parse(name.AsSpan(Name.Length + 1), System.Globalization.CultureInfo.InvariantCulture);
            if (NodeFor(serial) is not { } node)
            {
                continue;
            }

            _pending.Remove((name, revision));
            PodScheduled?.Invoke(name, _cluster.Node(node));
            Start(name, node, revision, ready: false);
        }

        Reconcile(); // a replica now starting may let a rollout go on
    }

    /// <summary>The kubelet starts a scheduled pod on <paramref name="node"/>: its containers now, Ready after the readiness delay.</summary>
    private Pod Start(string name, int node, int revision, bool ready)
    {
        bool at = ready || Lifecycle.ReadinessDelay == SimTime.Zero;
        var pod = _cluster.AddPod(name, node, Labels, ready: at);
        _pods.Add((pod, revision));
        ContainersStarted?.Invoke(pod);
        if (!at)
        {
            Sim.ScheduleAfter(Lifecycle.ReadinessDelay, this, ReadyKind, _pods.Count - 1);
        }

        return pod;
    }

    /// <summary>The kubelet's termination: preStop, SIGTERM (both bounded by the grace period), then the object goes.</summary>
    private void Terminate(Pod pod)
    {
        _cluster.BeginTermination(pod);
        int index = _pods.FindIndex(p => p.Pod == pod);
        var grace = Lifecycle.TerminationGracePeriod;
        Sim.ScheduleAfter(SimTime.Min(Lifecycle.PreStopSleep, grace), this, SigtermKind, index);
        Sim.ScheduleAfter(SimTime.Min(Lifecycle.PreStopSleep + PodLifecycle.ExitNoticed, grace), this, GoneKind, index);
    }

    void IEventHandler.OnEvent(int kind, long arg)
    {
        var pod = _pods[(int)arg].Pod;
        switch (kind)
        {
            case ReadyKind:
                _cluster.MarkReady(pod);
                Reconcile(); // a new pod available: the rollout may take the next step
                break;
            case SigtermKind:
                ContainersStopping?.Invoke(pod);
                break;
            case GoneKind:
                _cluster.RemovePod(pod.Name);
                break;
        }
    }
}

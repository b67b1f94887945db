using NetPerf.Engine.Scheduling;
using NetPerf.Engine.Time;
using NetPerf.Kubernetes.Cluster;

namespace NetPerf.Kubernetes.Controllers;

/// <summary>
/// A node that fails hard and what the control plane does about it, in the order and with the delays of
/// kube-controller-manager's node lifecycle controller (pkg/controller/nodelifecycle) and taint eviction controller
/// (pkg/controller/tainteviction):
/// <list type="number">
/// <item>At the failure its NIC loses carrier (<see cref="KubernetesCluster.FailNode"/>): its pods stop answering
/// at once, but nothing tells the API; they stay Ready in their EndpointSlices and in kube-proxy's rules.</item>
/// <item><see cref="GracePeriod"/> later (--node-monitor-grace-period) the node is Unknown: its pods are marked not
/// Ready (MarkPodsNotReady, so their slice entries turn ready: false, serving: false and kube-proxy drops them at its
/// next sync) and it is tainted node.kubernetes.io/unreachable NoSchedule and NoExecute.</item>
/// <item><see cref="TolerationSeconds"/> after the taint (the toleration the DefaultTolerationSeconds admission
/// plugin adds to every pod) its pods are deleted: a deployment's are replaced on a schedulable node at once; the
/// objects stay Terminating, as no kubelet is there to finish them.</item>
/// </list>
/// The kubelet renews its Lease every 10 s (a quarter of its 40 s duration), and the controller looks every
/// --node-monitor-period (5 s), so a real cluster notices between about grace - 10 s and grace + 5 s after the
/// failure; here at grace exactly (a renewal just before the failure, a look just at the end). Not modelled: the
/// eviction rate limits (--node-eviction-rate 0.1 nodes/s, relevant only when several nodes fail) and a node
/// that comes back.
/// </summary>
public sealed class NodeLifecycleController : IEventHandler
{
    /// <summary>
    /// kube-controller-manager's --node-monitor-grace-period: 50 s (the flag reference of current releases; 40 s
    /// before: raised in v1.32 by kubernetes PR #126287, for issue #121793); it must exceed the kubelet's status updates several times over.
    /// </summary>
    public static readonly SimTime DefaultGracePeriod = SimTime.FromSeconds(50);

    /// <summary>
    /// kube-apiserver's --default-unreachable-toleration-seconds: 300, the tolerationSeconds DefaultTolerationSeconds
    /// (plugin/pkg/admission/defaulttolerationseconds) gives every pod for node.kubernetes.io/unreachable:NoExecute.
    /// </summary>
    public static readonly SimTime DefaultTolerationSeconds = SimTime.FromSeconds(300);

    private const int UnreachableKind = 0;
    private const int EvictKind = 1;
    private readonly KubernetesCluster _cluster;
    private readonly IReadOnlyList<Deployment> _deployments;

    public NodeLifecycleController(KubernetesCluster cluster, IEnumerable<Deployment> deployments, SimTime gracePeriod, SimTime tolerationSeconds)
    {
        _cluster = cluster;
        _deployments = [.. deployments];
        GracePeriod = gracePeriod;
        TolerationSeconds = tolerationSeconds;
    }

    public SimTime GracePeriod { get; }
    public SimTime TolerationSeconds { get; }

    /// <summary>The controller marked a node Unknown and tainted it, now.</summary>
    public event Action<Node>? NodeUnreachable;

    /// <summary>The taint eviction controller deleted a failed node's pods, now.</summary>
    public event Action<Node>? PodsEvicted;

    /// <summary>Node <paramref name="n"/> fails hard, now (power lost); the control plane follows with its delays.</summary>
    public void Fail(int n)
    {
        if (_cluster.Node(n).Failed)
        {
            return;
        }

        _cluster.FailNode(n);
        _cluster.Bed.Sim.ScheduleAfter(GracePeriod, this, UnreachableKind, n);
    }

    void IEventHandler.OnEvent(int kind, long arg)
    {
        var node = _cluster.Node((int)arg);
        if (kind == UnreachableKind)
        {
            node.Unreachable = true;
            foreach (var pod in node.Pods.Where(p => !p.Deleted).ToList())
            {
                _cluster.MarkNotReady(pod);
            }

            NodeUnreachable?.Invoke(node);
            _cluster.Bed.Sim.ScheduleAfter(TolerationSeconds, this, EvictKind, arg);
            return;
        }

        foreach (var pod in node.Pods.Where(p => !p.Deleted && !p.Terminating).ToList())
        {
            if (_deployments.FirstOrDefault(d => d.Pods.Contains(pod)) is { } owner)
            {
                owner.DeleteOnLostNode(pod);
            }
            else
            {
                _cluster.BeginTermination(pod);
            }
        }

        PodsEvicted?.Invoke(node);
    }
}

using NetPerf.Engine.Scheduling;
using NetPerf.Engine.Time;
using NetPerf.Kubernetes.Cluster;

namespace NetPerf.Kubernetes.Services;

/// <summary>
/// kube-controller-manager's EndpointSlice controller (pkg/controller/endpointslice): it watches pods and, for
/// each Service it is told to <see cref="Watch"/>, keeps the slice of pods its selector matches, each with its
/// conditions (<see cref="SliceEndpoint"/>: ready, serving, terminating). A pod created, deleted, turning Ready
/// or starting to terminate queues its Services; each is synced <see cref="BatchPeriod"/> later (changes in between ride along),
/// and if its pods changed the new slice is published to kube-proxy (<see cref="SliceChanged"/>). The API
/// server's watch latency is not modelled (informers hear of a change at once).
/// </summary>
public sealed class EndpointSliceController : IEventHandler
{
    /// <summary>
    /// kube-controller-manager's --endpointslice-updates-batch-period: 0 by default, so a Service is synced as
    /// soon as a change queues it.
    /// </summary>
    public static readonly SimTime DefaultBatchPeriod = SimTime.Zero;

    private readonly Dictionary<Service, IReadOnlyList<SliceEndpoint>> _slices = [];
    private readonly List<Service> _queued = [];
    private bool _syncScheduled;

    public EndpointSliceController(KubernetesCluster cluster)
    {
        Cluster = cluster;
        cluster.PodAdded += Changed;
        cluster.PodRemoved += Changed;
        cluster.PodChanged += Changed;
    }

    public KubernetesCluster Cluster { get; }

    /// <summary>How long a queued Service waits before it is synced, so that changes close together make one update.</summary>
    public SimTime BatchPeriod { get; init; } = DefaultBatchPeriod;

    /// <summary>A Service's slice changed (after the batching), now: its endpoints and their conditions, in name order.</summary>
    public event Action<Service, IReadOnlyList<SliceEndpoint>>? SliceChanged;

    /// <summary>Slices published so far.</summary>
    public int Updates { get; private set; }

    /// <summary>Keeps <paramref name="service"/>'s slice from now on, starting with the pods its selector matches now.</summary>
    public void Watch(Service service) => _slices.TryAdd(service, Slice(service));

    /// <summary>
    /// The Service's object was updated in the API (a field such as externalTrafficPolicy changed; selector and
    /// ports as before): its slice is the same object's, kept under the new version, and a change queued for it
    /// is synced under the new version too.
    /// </summary>
    public void Update(Service old, Service updated)
    {
        if (!_slices.Remove(old, out var slice))
        {
            throw new ArgumentException($"Service {old.Name} is not watched.", nameof(old));
        }

        _slices[updated] = slice;
        int queued = _queued.IndexOf(old);
        if (queued >= 0)
        {
            _queued[queued] = updated;
        }
    }

    /// <summary>The endpoints <paramref name="service"/>'s slice lists now, with their conditions.</summary>
    public IReadOnlyList<SliceEndpoint> Endpoints(Service service) => _slices[service];

    private List<SliceEndpoint> Slice(Service service) => [.. service.Endpoints(Cluster).Select(SliceEndpoint.Of)];

    private void Changed(Pod pod)
    {
        foreach (var service in _slices.Keys)
        {
            if (service.Selector.Count > 0 && !_queued.Contains(service) && service.Selector.All(kv => pod.Labels.TryGetValue(kv.Key, out var v) && v == kv.Value))
            {
                _queued.Add(service);
            }
        }

        if (_queued.Count > 0 && !_syncScheduled)
        {
            _syncScheduled = true;
            Cluster.Bed.Sim.Schedule(Cluster.Bed.Sim.Now + BatchPeriod, this);
        }
    }

    void IEventHandler.OnEvent(int kind, long arg)
    {
        _syncScheduled = false;
        var queued = _queued.ToArray();
        _queued.Clear();
        foreach (var service in queued)
        {
            var endpoints = Slice(service);
            if (endpoints.SequenceEqual(_slices[service]))
            {
                continue;
            }

            _slices[service] = endpoints;
            Updates++;
            SliceChanged?.Invoke(service, endpoints);
        }
    }
}

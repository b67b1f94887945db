using NetPerf.Engine.Scheduling;
using NetPerf.Engine.Time;
using NetPerf.Kubernetes.Cluster;

namespace NetPerf.Kubernetes.Services;

/// <summary>One kube-proxy sync: when it started, when its rules took effect, how much it wrote, for which Services.</summary>
public sealed record KubeProxySyncRecord(SimTime Started, SimTime Programmed, int Lines, IReadOnlyList<Service> Services)
{
    /// <summary>UDP conntrack entries to removed endpoints the sync deleted, on every node.</summary>
    public int ConntrackCleared { get; init; }

    public SimTime Duration => Programmed - Started;
}

/// <summary>
/// kube-proxy's sync loop (pkg/util/async BoundedFrequencyRunner, as every mode's proxier sets it up): a changed
/// EndpointSlice asks for a sync; syncs are rate-limited by a token bucket of 2 (burstSyncs) refilled once every
/// <see cref="MinSyncPeriod"/>, so after a quiet spell a change is synced at once and in a burst of changes at
/// most one per period after the first two. A sync reads the slices, writes its rules (iptables-restore, one
/// nft transaction, IPVS netlink commands) for <see cref="SyncLines"/> lines at <see cref="TimePerLine"/> each,
/// and the new rules take effect when that returns, on every node at once (each node's kube-proxy really runs
/// its own loop; with the same inputs they finish together here). Connections already in conntrack (or IPVS's
/// table) keep their endpoint: only new ones see the new rules. Changes that arrive during a sync wait for the
/// next. New connections go to the slice's ready endpoints, or to its serving terminating ones when none is
/// ready (<see cref="SliceEndpoint.Usable"/>). Once the rules are in, UDP flows DNATed to an address that is not
/// one of the Service's serving endpoints are deleted from every node's conntrack table (<see cref="ClearsStaleUdpConntrack"/>): a UDP flow has
/// no end, and a client that keeps sending refreshes its entry, which would otherwise send it to the old endpoint
/// for ever. Not modelled: the periodic full resync (syncPeriod).
/// </summary>
public sealed class KubeProxySync : IEventHandler
{
    /// <summary>burstSyncs in pkg/proxy/{iptables,ipvs,nftables}/proxier.go.</summary>
    public const int Burst = 2;

    /// <summary>
    /// iptables.minSyncPeriod's default, 1 s (KubeProxyConfiguration; KEP-3453 recommends it now that restores
    /// are partial). nftables.minSyncPeriod defaults to 1 s too.
    /// </summary>
    public static readonly SimTime DefaultMinSyncPeriod = SimTime.FromSeconds(1);

    /// <summary>
    /// Time to restore one line: kubernetes/kubernetes issue 96018 timed <c>iptables-restore</c> (the nft
    /// backend) of a 695,992-line kube-proxy dump at 12.77 s, 18.35 us a line. Taken for nft and IPVS
    /// commands too, for want of their own figure.
    /// </summary>
    public static readonly SimTime DefaultTimePerLine = SimTime.FromNanoseconds(18_350);

    private const int StartKind = 0;
    private const int DoneKind = 1;
    private readonly IKubeProxyRuleWriter _proxy;
    private readonly EndpointSliceController _slices;
    private readonly Dictionary<Service, IReadOnlyList<SliceEndpoint>> _dirty = []; // each changed Service's slice, as the next sync will read it
    private Dictionary<Service, IReadOnlyList<SliceEndpoint>> _writingSlices = [];
    private readonly List<KubeProxySyncRecord> _history = [];
    private readonly List<Service> _deleted = []; // Services deleted from the API, their rules not yet
    private readonly List<Service> _created = []; // Services created in the API, their rules not yet
    private List<Service> _adding = [];
    private readonly List<(Service Old, Service New)> _updated = []; // Services updated in the API, their rules not yet
    private List<(Service Old, Service New)> _updating = [];
    private Dictionary<Service, IReadOnlyList<Pod>>? _writing;
    private List<Service> _removing = [];
    private SimTime _writingSince;
    private int _writingLines;
    private bool _startScheduled;
    private long _bucketEmptyPs = long.MinValue / 4; // the bucket starts full: kube-proxy's start-up sync is long past

    public KubeProxySync(IKubeProxyRuleWriter proxy, EndpointSliceController slices, SimTime minSyncPeriod)
    {
        _proxy = proxy;
        _slices = slices;
        MinSyncPeriod = minSyncPeriod;
        foreach (var service in proxy.Services)
        {
            slices.Watch(service);
        }

        slices.SliceChanged += OnSliceChanged;
    }

    public SimTime MinSyncPeriod { get; }

    /// <summary>
    /// kube-proxy's conntrack clean-up after a sync (pkg/proxy/conntrack/cleanup.go CleanStaleEntries: the UDP
    /// entries to a Service's address and port whose reply source is not one of its serving endpoints); on by
    /// default, as in every kube-proxy. Off models its absence (a kube-proxy
    /// without the conntrack binary, as before 1.29, or a replacement that skips it).
    /// </summary>
    public bool ClearsStaleUdpConntrack { get; init; } = true;

    /// <summary>Restore time per line written.</summary>
    public SimTime TimePerLine { get; init; } = DefaultTimePerLine;

    /// <summary>Syncs done so far, oldest first.</summary>
    public IReadOnlyList<KubeProxySyncRecord> Syncs => _history;

    /// <summary>How long a sync that writes these Services' new endpoints takes.</summary>
    public SimTime SyncTime(IReadOnlyDictionary<Service, IReadOnlyList<Pod>> changed) => TimePerLine * _proxy.SyncLines(changed);

    private Simulator Sim => _slices.Cluster.Bed.Sim;

    private void OnSliceChanged(Service service, IReadOnlyList<SliceEndpoint> slice)
    {
        if (!Known(service))
        {
            return; // not kube-proxy's, or deleted: the next sync takes its rules out
        }

        // Any change of the slice asks for a sync (a token), even one that leaves the usable endpoints as they were.
        _dirty[service] = slice;
        RequestSync();
    }

    /// <summary>
    /// The Service is deleted (kubectl delete service): its rules go at the next sync, which rewrites
    /// KUBE-SERVICES without it and deletes its chains; until then it is served as before.
    /// </summary>
    public void Delete(Service service)
    {
        if (!Known(service))
        {
            throw new ArgumentException($"Service {service.Name} is not programmed, or deleted already.", nameof(service));
        }

        _dirty.Remove(service);
        if (_created.Remove(service))
        {
            return; // created and deleted between two syncs: kube-proxy never sees it
        }

        _deleted.Add(service);
        RequestSync();
    }

    /// <summary>A Service of kube-proxy's, programmed or to be programmed at the next sync, not deleted and not replaced by an update.</summary>
    private bool Known(Service service) =>
        (_proxy.Services.Contains(service) || _created.Contains(service) || _adding.Contains(service) || _updated.Exists(u => u.New == service) || _updating.Exists(u => u.New == service))
        && !_deleted.Contains(service) && !_updated.Exists(u => u.Old == service) && !_updating.Exists(u => u.Old == service);

    /// <summary>
    /// The Service's object is updated in the API (kubectl patch: a new externalTrafficPolicy; its selector,
    /// addresses and ports as before): kube-proxy's service change tracker holds the new version, and its next
    /// sync (the token bucket above) rewrites the Service's chains from it. Until the rules are in, the old
    /// version's rules serve; connections in conntrack keep their DNAT after it. Updates between two syncs
    /// collapse into the last, and ones that leave the Service as the rules have it cancel out, as the change
    /// tracker drops a change whose previous and current versions are equal (pkg/proxy/servicechangetracker.go);
    /// the sync already asked for still runs.
    /// </summary>
    public void Update(Service old, Service updated)
    {
        if (old == updated)
        {
            return; // no change: no watch event
        }

        if (!Known(old))
        {
            throw new ArgumentException($"Service {old.Name} is not programmed, or deleted or updated already.", nameof(old));
        }

        if (old.Name != updated.Name || old.ClusterIp != updated.ClusterIp || old.Port != updated.Port || old.Protocol != updated.Protocol || old.NodePort != updated.NodePort)
        {
            throw new ArgumentException($"Service {old.Name}: an update keeps the name, address, port, protocol and NodePort.", nameof(updated));
        }

        _slices.Update(old, updated);
        if (_dirty.Remove(old, out var slice))
        {
            _dirty[updated] = slice;
        }

        int created = _created.IndexOf(old);
        if (created >= 0)
        {
            _created[created] = updated; // not programmed yet: kube-proxy only ever sees the new version
            return;
        }

        int pending = _updated.FindIndex(u => u.New == old);
        if (pending >= 0 && _updated[pending].Old == updated)
        {
            _updated.RemoveAt(pending); // back to what the rules have
        }
        else if (pending >= 0)
        {
            _updated[pending] = (_updated[pending].Old, updated);
        }
        else
        {
            _updated.Add((old, updated));
        }

        RequestSync();
    }

    /// <summary>
    /// The Service is created (kubectl apply): the EndpointSlice controller writes its slice at once (its
    /// selector's pods, with their conditions), and kube-proxy programs it at its next sync (its token bucket
    /// above); until then nothing in the rules matches its ClusterIP.
    /// </summary>
    public void Create(Service service)
    {
        if (_proxy.Services.Contains(service) || _created.Contains(service) || _adding.Contains(service))
        {
            throw new ArgumentException($"Service {service.Name} exists already.", nameof(service));
        }

        _slices.Watch(service);
        _created.Add(service);
        _dirty[service] = _slices.Endpoints(service);
        RequestSync();
    }

    private void RequestSync()
    {
        if (_startScheduled || _writing is not null || (_dirty.Count == 0 && _deleted.Count == 0 && _updated.Count == 0))
        {
            return;
        }

        // Token bucket: one token per MinSyncPeriod, at most Burst held; a sync waits for a token.
        long now = Sim.Now.Picoseconds;
        long period = MinSyncPeriod.Picoseconds;
        long ready = Math.Max(now, _bucketEmptyPs + period);
        _bucketEmptyPs = Math.Max(_bucketEmptyPs, ready - (Burst * period)) + period;
        _startScheduled = true;
        Sim.Schedule(new SimTime(ready), this, StartKind);
    }

    void IEventHandler.OnEvent(int kind, long arg)
    {
        if (kind == StartKind)
        {
            _startScheduled = false;
            _writingSlices = new Dictionary<Service, IReadOnlyList<SliceEndpoint>>(_dirty);
            _updating = [.. _updated];
            _updated.Clear();
            foreach (var (_, updated) in _updating)
            {
                _writingSlices.TryAdd(updated, _slices.Endpoints(updated)); // an updated Service's chains are rewritten whole
            }

            _writing = _writingSlices.ToDictionary(x => x.Key, x => SliceEndpoint.Usable(x.Value));
            _dirty.Clear();
            _removing = [.. _deleted];
            _deleted.Clear();
            _adding = [.. _created];
            _created.Clear();
            _writingSince = Sim.Now;
            // The rule writer counts its changed Services as it has them programmed: an updated one by its old version.
            var programmed = _writing.ToDictionary(x => _updating.FirstOrDefault(u => u.New == x.Key).Old ?? x.Key, x => x.Value);
            _writingLines = _proxy.SyncLines(programmed) + _removing.Sum(_proxy.RemoveLines) + _adding.Sum(s => _proxy.AddLines(s, _writing.TryGetValue(s, out var e) ? e : []))
                + _updating.Sum(u => _proxy.UpdateLines(u.Old, u.New, _writing[u.New]));
            Sim.Schedule(Sim.Now + (TimePerLine * _writingLines), this, DoneKind);
            return;
        }

        foreach (var service in _adding)
        {
            _proxy.Add(service); // its portal; the endpoints below are the slice as this sync read it
        }

        foreach (var (old, updated) in _updating)
        {
            _proxy.Update(old, updated); // the new version replaces the old; its chains are rebuilt below
        }

        int cleared = 0;
        foreach (var (service, endpoints) in _writing!)
        {
            _proxy.ReplaceEndpoints(service, endpoints);
            // CleanStaleEntries (pkg/proxy/conntrack/cleanup.go): for a UDP Service with at least one serving
            // endpoint, every entry to its ClusterIP and port whose reply comes from no serving endpoint goes. A
            // terminating pod that still serves keeps its flows ("we do not take ... terminating status ... into
            // account", so UDP behaves as TCP); its flows go at the first sync after it stops serving or leaves the
            // slice. A Service with no serving endpoint keeps its entries.
            if (ClearsStaleUdpConntrack && service.Protocol == Network.Packets.IpProtocol.Udp
                && _writingSlices[service].Where(e => e.Serving).Select(e => e.Pod.Ip).ToHashSet() is { Count: > 0 } keep)
            {
                foreach (var node in _slices.Cluster.Nodes)
                {
                    cleared += node.Root.Netfilter?.Conntrack.DeleteNattedExcept(service.Protocol, service.ClusterIp, service.Port, keep) ?? 0;
                }
            }
        }

        foreach (var service in _removing)
        {
            _proxy.Remove(service);
        }

        _history.Add(new KubeProxySyncRecord(_writingSince, Sim.Now, _writingLines, [.. _writing.Keys, .. _removing]) { ConntrackCleared = cleared });
        _removing = [];
        _adding = [];
        _updating = [];
        _writing = null;
        RequestSync();
    }
}

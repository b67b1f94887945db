using NetPerf.Engine.Time;

namespace NetPerf.Kubernetes.Dns;

/// <summary>
/// CoreDNS's cache plugin as the default Corefile configures it (<c>cache 30</c>): an answer is kept, per name
/// and type, for its TTL capped at 30 s; denials (NXDOMAIN, and NOERROR without data such as a Service's AAAA)
/// too, for the SOA's minimum TTL capped the same. Answers of the kubernetes plugin carry TTL 30 and its SOA
/// minimum 30 (kubeadm's Corefile sets <c>ttl 30</c>; plugin/kubernetes builds the SOA's MINIMUM from it), so
/// in a default cluster both last 30 s. Not modelled: the capacity (9,984 entries a kind, evicting at random),
/// prefetch and serve_stale; an entry's TTL counting down in the answers it gives.
/// </summary>
public sealed class DnsCache
{
    /// <summary>cache 30 (kubeadm's and the coredns/deployment Corefile): the cap for successful answers.</summary>
    public static readonly SimTime DefaultSuccessTtl = SimTime.FromSeconds(30);

    /// <summary>The same cap for denials; the kubernetes plugin's SOA minimum (ttl 30) reaches it too.</summary>
    public static readonly SimTime DefaultDenialTtl = SimTime.FromSeconds(30);

    private readonly Dictionary<(string Name, DnsType Type), long> _expiresPs = new(KeyComparer.Instance);

    /// <summary>How long a successful answer is served from the cache.</summary>
    public SimTime SuccessTtl { get; init; } = DefaultSuccessTtl;

    /// <summary>How long a denial (NXDOMAIN, NODATA) is served from the cache.</summary>
    public SimTime DenialTtl { get; init; } = DefaultDenialTtl;

    public long Hits { get; private set; }
    public long Misses { get; private set; }

    /// <summary>Entries held, expired ones included until they are asked for again.</summary>
    public int Count => _expiresPs.Count;

    /// <summary>Whether an unexpired answer to <paramref name="name"/>/<paramref name="type"/> is held at <paramref name="now"/>; counts the hit or miss.</summary>
    public bool Lookup(string name, DnsType type, SimTime now)
    {
        bool hit = _expiresPs.TryGetValue((name, type), out long expires) && expires > now.Picoseconds;
        Hits += hit ? 1 : 0;
        Misses += hit ? 0 : 1;
        return hit;
    }

    /// <summary>Keeps the answer just given by the backend, from <paramref name="now"/>.</summary>
    public void Store(string name, DnsType type, bool denial, SimTime now) =>
        _expiresPs[(name, type)] = (now + (denial ? DenialTtl : SuccessTtl)).Picoseconds;

    /// <summary>DNS names compare without regard to case (RFC 4343).</summary>
    private sealed class KeyComparer : IEqualityComparer<(string Name, DnsType Type)>
    {
        public static readonly KeyComparer Instance = new();

        public bool Equals((string Name, DnsType Type) x, (string Name, DnsType Type) y) =>
            x.Type == y.Type && StringComparer.OrdinalIgnoreCase.Equals(x.Name, y.Name);

        public int GetHashCode((string Name, DnsType Type) key) =>
            HashCode.Combine(StringComparer.OrdinalIgnoreCase.GetHashCode(key.Name), key.Type);
    }
}

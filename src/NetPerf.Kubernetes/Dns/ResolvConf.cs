using NetPerf.Engine.Time;

namespace NetPerf.Kubernetes.Dns;

/// <summary>
/// The /etc/resolv.conf the kubelet writes into a pod (ClusterFirst DNS policy): the cluster DNS Service as
/// nameserver, the search list "NS.svc.cluster.local svc.cluster.local cluster.local" and options ndots:5; the
/// resolver's own defaults for what it does not set (glibc resolv.h: RES_TIMEOUT 5 s, RES_DFLRETRY 2 attempts),
/// which a pod's dnsConfig options (timeout:N, attempts:N, single-request-reopen) change.
/// </summary>
public sealed record ResolvConf(string Namespace, string ClusterDomain = "cluster.local", int Ndots = 5)
{
    /// <summary>RES_TIMEOUT (glibc resolv.h): how long a try waits for its answers (options timeout:N, capped at 30 s).</summary>
    public static readonly SimTime DefaultTimeout = SimTime.FromSeconds(5);

    /// <summary>RES_DFLRETRY (glibc resolv.h): tries per nameserver (options attempts:N, capped at 5).</summary>
    public const int DefaultAttempts = 2;

    /// <summary>options timeout:N.</summary>
    public SimTime Timeout { get; init; } = DefaultTimeout;

    /// <summary>options attempts:N.</summary>
    public int Attempts { get; init; } = DefaultAttempts;

    /// <summary>How a name's A and AAAA queries go out (single-request, single-request-reopen, or both at once).</summary>
    public ResolverQueries Queries { get; init; } = ResolverQueries.Parallel;

    public IReadOnlyList<string> Search =>
        [$"{Namespace}.svc.{ClusterDomain}", $"svc.{ClusterDomain}", ClusterDomain];

    /// <summary>
    /// The names the resolver tries, in order (glibc's res_search): a name ending in a dot only as it is; one with
    /// at least ndots dots as it is first, then with each search domain; any other name with each search domain
    /// first, then as it is.
    /// </summary>
    public IReadOnlyList<string> Candidates(string name)
    {
        if (name.EndsWith('.'))
        {
            return [name.TrimEnd('.')];
        }

        var searched = Search.Select(domain => $"{name}.{domain}");
        int dots = name.Count(c => c == '.');
        return dots >= Ndots ? [name, .. searched] : [.. searched, name];
    }
}

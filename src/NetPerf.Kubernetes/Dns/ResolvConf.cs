namespace NetPerf.Kubernetes.Dns;

/// <summary>
/// The /etc/resolv.conf the kubelet writes into a pod (ClusterFirst DNS policy): the cluster DNS Service as
/// nameserver, the search list "NS.svc.cluster.local svc.cluster.local cluster.local" and options ndots:5.
/// </summary>
public sealed record ResolvConf(string Namespace, string ClusterDomain = "cluster.local", int Ndots = 5)
{
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

namespace NetPerf.Scenarios.Model;

/// <summary>
/// cluster.staleUdpConntrack: what becomes of a UDP conntrack entry DNATed to an endpoint a kube-proxy sync
/// removed. kube-proxy has no flag for it: after every sync it deletes them (pkg/proxy/conntrack, CleanStaleEntries),
/// <see cref="Cleared"/>. <see cref="Kept"/> is its absence: a kube-proxy that shells out to conntrack(8) and finds
/// no binary only warns and goes on (kubernetes#91486: "kube-proxy can work without it"), as deckhouse#8081 reports
/// for a syslog Service's rollout ("Failed to delete endpoint connections ... executable file not found"), or a
/// replacement that skips it. A client that keeps sending refreshes its entry
/// (nf_conntrack_proto_udp.c: 30 s unreplied, 120 s a stream), so its datagrams go to the old address for ever.
/// </summary>
public enum StaleUdpConntrack
{
    Cleared,
    Kept,
}

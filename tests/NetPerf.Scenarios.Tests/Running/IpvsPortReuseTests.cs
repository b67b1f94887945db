using NetPerf.Reporting;
using NetPerf.Scenarios.Loading;
using NetPerf.Scenarios.Running;

namespace NetPerf.Scenarios.Tests.Running;

/// <summary>
/// A client's ephemeral ports come round again within a second under TCP_CRR (__inet_hash_connect walks the range
/// from a hashed start by 2 to 16 a connection, and the client leaves no TIME_WAIT when the server closes first),
/// while IPVS still holds the earlier connection of that client tuple. With net.ipv4.vs.conn_reuse_mode 1, the
/// default, ip_vs_in_hook expires it and schedules the new SYN afresh (net/netfilter/ipvs/ip_vs_core.c; since 5.9
/// with conntrack too: the SYN's entry is new and unconfirmed, so nothing is dropped). Before the model did so,
/// such a SYN reused the old connection without its new conntrack entry's reply being rewritten, and every client
/// stalled for a second about a second into the run.
/// </summary>
public sealed class IpvsPortReuseTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("netperf-ipvs-reuse-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [Fact]
    public void Tcp_crr_through_ipvs_keeps_connecting_when_client_ports_come_round()
    {
        string path = Path.Combine(_dir, "s.yaml");
        File.WriteAllText(path, """
            name: ipvs-crr
            seed: 1
            duration: 1500ms
            warmup: 5ms
            interval: 10ms
            cluster: { nodes: 2, cni: calico-bgp, kubeProxy: ipvs }
            workloads:
              - { name: crr, test: TCP_CRR, clients: 4, paths: [node-port, cluster-ip] }
            """);
        var result = ResultSetBuilder.Build(ScenarioRunner.Run(ScenarioReader.Load(path), new RunOptions { Parallelism = 2 }));

        Assert.Equal(2 * 150, result.Timeseries.Count);
        Assert.All(result.Timeseries, t => Assert.True(t.Transactions > 100, $"{t.Path} at {t.StartMilliseconds} ms: {t.Transactions} transactions"));
        Assert.All(result.Timeseries, t => Assert.True(t.P99Microseconds < 5e3, $"{t.Path} at {t.StartMilliseconds} ms: p99 {t.P99Microseconds} us"));
    }
}

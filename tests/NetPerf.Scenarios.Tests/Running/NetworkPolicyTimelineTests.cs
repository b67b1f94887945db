using NetPerf.Reporting;
using NetPerf.Scenarios.Loading;
using NetPerf.Scenarios.Running;

namespace NetPerf.Scenarios.Tests.Running;

/// <summary>
/// A NetworkPolicy added and removed under load on Calico (felix's iptables chains). A policy that selects the
/// server and allows nothing from the client drops every new connection's SYN in the endpoint's cali-tw chain
/// from the moment it is rendered; connections already open go on, since each endpoint chain accepts
/// RELATED,ESTABLISHED before any policy. Removing the policy does not bring the dropped connections back at once:
/// the client's kernel resends a SYN only when its retransmission timer fires, TCP_TIMEOUT_INIT (1 s,
/// include/net/tcp.h) after the first.
/// </summary>
public class NetworkPolicyTimelineTests
{
    private static string Yaml(string test, int clients) => $$"""
        name: policy
        seed: 1
        duration: 1200ms
        warmup: 10ms
        interval: 10ms
        cluster: { nodes: 3, coresPerNode: 4, cni: calico-bgp, kubeProxy: iptables }
        deployments:
          - { name: shop, replicas: 2, labels: { app: shop }, nodes: [2, 3] }
        services:
          - { name: shop, selector: { app: shop }, port: 80, targetPort: 8080 }
        networkPolicies:
          - { name: only-admin, podSelector: { app: shop }, ingress: [{ from: [{ podSelector: { role: admin } }] }] }
        workloads:
          - { name: w, test: {{test}}, clients: {{clients}}, service: shop, paths: [cluster-ip] }
        timeline:
          - { at: 50ms, action: addNetworkPolicy, networkPolicy: only-admin }
          - { at: 150ms, action: removeNetworkPolicy, networkPolicy: only-admin }
        """;

    private static ResultSet Run(string test, int clients) =>
        ResultSetBuilder.Build(ScenarioRunner.Run(ScenarioReader.Parse(Yaml(test, clients), "policy.yaml"), new RunOptions { Parallelism = 1 }));

    private static readonly Lazy<ResultSet> Crr = new(() => Run("TCP_CRR", 4));

    private static long NetfilterDrops(TimeseriesRow t) => t.Drops.Where(x => x.Reason == "Netfilter").Sum(x => x.Count);

    [Fact]
    public void New_connections_are_dropped_from_the_policys_creation_and_come_back_only_at_their_SYNs_retransmission()
    {
        var r = Crr.Value;
        Assert.Equal([("addNetworkPolicy", 50.0), ("removeNetworkPolicy", 150.0)], r.Timeline.Select(e => (e.Event, e.AtMilliseconds)));
        var rows = r.Timeseries;

        // Before: connections open and close, nothing dropped.
        Assert.All(rows.Where(t => t.StartMilliseconds + t.IntervalMilliseconds <= 50), t => Assert.True(t.Transactions > 0 && NetfilterDrops(t) == 0));
        // The SYNs of the connections opened after the policy is rendered are dropped by felix's chain (one per
        // client: each waits on its retransmission), and none is answered: no RST, so nothing is refused.
        Assert.Equal(4, rows.Where(t => t.StartMilliseconds is >= 50 and < 60).Sum(NetfilterDrops));
        Assert.All(rows, t => Assert.Equal(0, t.Refused));
        // From one interval after the policy until the retransmission (1 s after each first SYN, so from 1050 ms):
        // no connection completes, though the policy is gone from 150 ms on.
        Assert.All(rows.Where(t => t.StartMilliseconds >= 60 && t.StartMilliseconds + t.IntervalMilliseconds <= 1050), t => Assert.Equal(0, t.Transactions));
        Assert.All(rows.Where(t => t.StartMilliseconds >= 150), t => Assert.Equal(0, NetfilterDrops(t))); // nothing dropped once removed
        // The retransmitted SYNs pass: every client is back within an interval of the timer.
        Assert.All(rows.Where(t => t.StartMilliseconds >= 1060), t => Assert.True(t.Transactions > 0, $"not recovered at {t.StartMilliseconds} ms"));
    }

    [Fact]
    public void A_connection_open_before_the_policy_goes_on_through_it_as_felix_accepts_established_traffic_first()
    {
        var r = Run("TCP_RR", 1);
        Assert.All(r.Timeseries, t => Assert.True(t.Transactions > 0 && NetfilterDrops(t) == 0, $"interrupted at {t.StartMilliseconds} ms"));
    }
}

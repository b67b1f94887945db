using CsvHelper.Configuration;

namespace NetPerf.Reporting.Csv;

// Column names are snake_case and fixed here, not derived from property names, so renaming a property cannot
// silently change a file format that scripts and `compare` read.

internal sealed class SummaryRowMap : ClassMap<SummaryRow>
{
    public static readonly string[] Header =
    [
        "scenario", "variant", "path", "cni", "kube_proxy", "workload", "test", "request_bytes", "response_bytes",
        "metric", "unit", "count", "mean", "ci95", "p50", "p90", "p99", "p999", "partial",
    ];

    public SummaryRowMap()
    {
        Map(r => r.Scenario).Name("scenario").Index(0);
        Map(r => r.Variant).Name("variant").Index(1);
        Map(r => r.Path).Name("path").Index(2);
        Map(r => r.Cni).Name("cni").Index(3);
        Map(r => r.KubeProxy).Name("kube_proxy").Index(4);
        Map(r => r.Workload).Name("workload").Index(5);
        Map(r => r.Test).Name("test").Index(6);
        Map(r => r.RequestBytes).Name("request_bytes").Index(7);
        Map(r => r.ResponseBytes).Name("response_bytes").Index(8);
        Map(r => r.Metric).Name("metric").Index(9);
        Map(r => r.Unit).Name("unit").Index(10);
        Map(r => r.Count).Name("count").Index(11);
        Map(r => r.Mean).Name("mean").Index(12);
        Map(r => r.Ci95).Name("ci95").Index(13);
        Map(r => r.P50).Name("p50").Index(14);
        Map(r => r.P90).Name("p90").Index(15);
        Map(r => r.P99).Name("p99").Index(16);
        Map(r => r.P999).Name("p999").Index(17);
        Map(r => r.Partial).Name("partial").Index(18);
    }
}

internal sealed class CpuRowMap : ClassMap<CpuRow>
{
    public static readonly string[] Header =
    [
        "scenario", "variant", "path", "cni", "kube_proxy", "workload", "node", "stage", "ns_per_request", "ns_per_byte",
    ];

    public CpuRowMap()
    {
        Map(r => r.Scenario).Name("scenario").Index(0);
        Map(r => r.Variant).Name("variant").Index(1);
        Map(r => r.Path).Name("path").Index(2);
        Map(r => r.Cni).Name("cni").Index(3);
        Map(r => r.KubeProxy).Name("kube_proxy").Index(4);
        Map(r => r.Workload).Name("workload").Index(5);
        Map(r => r.Node).Name("node").Index(6);
        Map(r => r.Stage).Name("stage").Index(7);
        Map(r => r.NanosecondsPerRequest).Name("ns_per_request").Index(8);
        Map(r => r.NanosecondsPerByte).Name("ns_per_byte").Index(9);
    }
}

internal sealed class SampleRowMap : ClassMap<SampleRow>
{
    public static readonly string[] Header = ["variant", "path", "workload", "replication", "index", "latency_us"];

    public SampleRowMap()
    {
        Map(r => r.Variant).Name("variant").Index(0);
        Map(r => r.Path).Name("path").Index(1);
        Map(r => r.Workload).Name("workload").Index(2);
        Map(r => r.Replication).Name("replication").Index(3);
        Map(r => r.Index).Name("index").Index(4);
        Map(r => r.LatencyMicroseconds).Name("latency_us").Index(5);
    }
}

internal sealed class BgpRowMap : ClassMap<BgpRow>
{
    public static readonly string[] Header =
    [
        "scenario", "variant", "nodes", "topology", "reflectors", "replication", "hold_s", "keepalive_s", "sessions", "initial_convergence_ms", "initial_opens", "initial_updates", "initial_keepalives", "initial_bytes", "updates", "withdrawals", "keepalives", "notifications", "bytes_sent", "failed_node", "peers_of_failed_node", "peers_withdrawn", "withdrawn_first_ms", "withdrawn_last_ms", "joined_node", "join_reachable_from_all_ms", "join_learned_all_ms",
    ];

    public BgpRowMap()
    {
        Map(r => r.Scenario).Name("scenario").Index(0);
        Map(r => r.Variant).Name("variant").Index(1);
        Map(r => r.Nodes).Name("nodes").Index(2);
        Map(r => r.Topology).Name("topology").Index(3);
        Map(r => r.Reflectors).Name("reflectors").Index(4);
        Map(r => r.Replication).Name("replication").Index(5);
        Map(r => r.HoldSeconds).Name("hold_s").Index(6);
        Map(r => r.KeepaliveSeconds).Name("keepalive_s").Index(7);
        Map(r => r.Sessions).Name("sessions").Index(8);
        Map(r => r.InitialConvergenceMs).Name("initial_convergence_ms").Index(9);
        Map(r => r.InitialOpens).Name("initial_opens").Index(10);
        Map(r => r.InitialUpdates).Name("initial_updates").Index(11);
        Map(r => r.InitialKeepalives).Name("initial_keepalives").Index(12);
        Map(r => r.InitialBytes).Name("initial_bytes").Index(13);
        Map(r => r.Updates).Name("updates").Index(14);
        Map(r => r.Withdrawals).Name("withdrawals").Index(15);
        Map(r => r.Keepalives).Name("keepalives").Index(16);
        Map(r => r.Notifications).Name("notifications").Index(17);
        Map(r => r.BytesSent).Name("bytes_sent").Index(18);
        Map(r => r.FailedNode).Name("failed_node").Index(19);
        Map(r => r.PeersOfFailedNode).Name("peers_of_failed_node").Index(20);
        Map(r => r.PeersWithdrawn).Name("peers_withdrawn").Index(21);
        Map(r => r.WithdrawnFirstMs).Name("withdrawn_first_ms").Index(22);
        Map(r => r.WithdrawnLastMs).Name("withdrawn_last_ms").Index(23);
        Map(r => r.JoinedNode).Name("joined_node").Index(24);
        Map(r => r.JoinReachableFromAllMs).Name("join_reachable_from_all_ms").Index(25);
        Map(r => r.JoinLearnedAllMs).Name("join_learned_all_ms").Index(26);
    }
}

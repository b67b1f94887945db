using NetPerf.Engine.Time;
using NetPerf.Network.Devices;
using NetPerf.Reporting;
using NetPerf.Scenarios.Loading;
using NetPerf.Scenarios.Model;
using NetPerf.Scenarios.Running;

namespace NetPerf.Scenarios.Tests;

/// <summary>
/// scenarios/failures/mtu-black-hole.yaml: Calico's MTU set to the nodes' 1500 on a tunnel. VXLAN (outer DF unset)
/// fragments every full-size packet and works; VXLAN with df set loses them and tells the pod nothing; IP-in-IP
/// (inner DF inherited) answers with fragmentation needed and TCP's MSS falls to fit, unless the ICMP is
/// filtered: then the bulk transfer stalls on retransmission timeouts while small requests still get through.
/// podMtu auto (1450, 1480) is the fix.
/// </summary>
public class MtuBlackHoleFactsTests
{
    private const string VxlanBig = "calico-vxlan/podmtu-1500/icmp-allowed";
    private const string IpipAllowed = "calico-ipip/podmtu-1500/icmp-allowed";
    private const string IpipFiltered = "calico-ipip/podmtu-1500/icmp-filtered";

    private static readonly Lazy<Scenario> Scenario = new(() => ScenarioReader.Load(HeadlineRun.Shipped("failures/mtu-black-hole.yaml")));
    private static readonly Lazy<ResultSet> Shipped = new(() => Run(Scenario.Value, threads: 2));

    private static ResultSet Run(Scenario s, int threads = 1) =>
        ResultSetBuilder.Build(ScenarioRunner.Run(s, new RunOptions { Parallelism = threads }));

    private static List<TimeseriesRow> Series(ResultSet r, string variant, string workload) =>
        [.. r.Timeseries.Where(t => t.Variant == variant && t.Workload == workload).OrderBy(t => t.StartMilliseconds)];

    private static long Drops(IEnumerable<TimeseriesRow> rows, string reason) => rows.Sum(t => t.Drops.Single(d => d.Reason == reason).Count);

    private static double? Metric(ResultSet r, string variant, string workload, string metric) =>
        r.Summary.SingleOrDefault(s => s.Variant == variant && s.Workload == workload && s.Metric == metric)?.Mean;

    private static double StageNsPerByte(ResultSet r, string variant, string stage) =>
        r.Cpu.Where(c => c.Variant == variant && c.Workload == "bulk" && c.Stage == stage).Sum(c => c.NanosecondsPerByte);

    [Fact]
    public void VXLAN_with_df_unset_fragments_every_full_size_packet_at_the_sender_and_reassembles_it_at_the_receiver_and_the_stream_flows()
    {
        var r = Shipped.Value;
        var bulk = Series(r, VxlanBig, "bulk");
        Assert.All(bulk, t => Assert.True(t.GoodputMbps > 100, $"{t.GoodputMbps} Mbit/s at {t.StartMilliseconds} ms"));
        Assert.Equal(0, Drops(bulk, "PktTooBig"));
        Assert.True(StageNsPerByte(r, VxlanBig, "Fragment") > 0);
        Assert.True(StageNsPerByte(r, VxlanBig, "Reassemble") > 0);
        Assert.Equal(0, StageNsPerByte(r, "calico-vxlan/podmtu-auto/icmp-allowed", "Fragment"));

        // It costs: no TSO or GRO for fragments, two frames for every segment, more CPU for every byte.
        Assert.True(Metric(r, VxlanBig, "bulk", "cpu_per_byte") > 2 * Metric(r, "calico-vxlan/podmtu-auto/icmp-allowed", "bulk", "cpu_per_byte"));
        Assert.Null(Metric(r, VxlanBig, "bulk", "tcp_mtu_reductions")); // no timeout and no MSS change: no TCP rows
    }

    [Fact]
    public void VXLAN_with_df_set_loses_every_full_size_packet_at_the_sender_and_the_pod_never_learns_whether_ICMP_passes_or_not()
    {
        var s = Scenario.Value with
        {
            Duration = SimTime.FromMilliseconds(600),
            Cluster = Scenario.Value.Cluster with { VxlanDf = VxlanDf.Set },
            Compare = Scenario.Value.Compare with { Cni = [Kubernetes.Cni.CniPlugins.Get("calico-vxlan")], PodMtu = [new PodMtuSetting(1500)] },
        };
        var r = Run(s);
        foreach (var icmp in new[] { "allowed", "filtered" })
        {
            string variant = $"calico-vxlan/podmtu-1500/icmp-{icmp}";
            var bulk = Series(r, variant, "bulk");
            Assert.All(bulk, t => Assert.Equal(0, t.GoodputMbps));
            Assert.True(Drops(bulk, "PktTooBig") > 0);
            Assert.Equal(0, Metric(r, variant, "bulk", "tcp_mtu_reductions")); // a routed vxlan device sends the pod no error
            // The initial window is lost, then the segment each retransmission timeout resends (at ~200 ms, then backed off).
            Assert.True(Metric(r, variant, "bulk", "tcp_timeouts") >= 1);
            Assert.True(bulk.Count(t => t.Drops.Single(d => d.Reason == "PktTooBig").Count > 0) >= 2);
            Assert.All(Series(r, variant, "rr"), t => Assert.True(t.Transactions > 0)); // small packets fit
        }
    }

    [Fact]
    public void IP_in_IP_with_ICMP_allowed_recovers_by_path_MTU_discovery_the_MSS_falling_to_fit_1480_bytes()
    {
        var r = Shipped.Value;
        var bulk = Series(r, IpipAllowed, "bulk");
        // 1480 (the underlay's 1500 less 20) less 40 of IP and TCP headers less 12 of timestamps.
        Assert.Equal(1480 - 40 - 12, Metric(r, IpipAllowed, "bulk", "tcp_segment_payload"));
        Assert.True(Metric(r, IpipAllowed, "bulk", "tcp_mtu_reductions") >= 1);
        Assert.True(Drops(bulk, "PktTooBig") > 0);
        // The first super-packets are lost silently (tnl_update_pmtu sends no error for GSO): nothing arrives until
        // the retransmission timeout resends one segment, whose error lowers the MSS; then the stream flows.
        Assert.True(Metric(r, IpipAllowed, "bulk", "tcp_timeouts") >= 1);
        Assert.Equal(0, bulk[0].GoodputMbps);
        Assert.All(bulk.Skip(bulk.Count / 2), t => Assert.True(t.GoodputMbps > 1000, $"{t.GoodputMbps} Mbit/s at {t.StartMilliseconds} ms"));
        Assert.Equal(0, Drops(bulk.Skip(bulk.Count / 2), "PktTooBig"));
    }

    [Fact]
    public void IP_in_IP_with_ICMP_filtered_is_a_black_hole_the_bulk_transfer_stalls_on_timeouts_while_small_requests_go_on()
    {
        var r = Shipped.Value;
        var bulk = Series(r, IpipFiltered, "bulk");
        Assert.All(bulk, t => Assert.Equal(0, t.GoodputMbps));
        Assert.True(Metric(r, IpipFiltered, "bulk", "tcp_timeouts") >= 2);
        Assert.Equal(0, Metric(r, IpipFiltered, "bulk", "tcp_mtu_reductions"));
        Assert.Equal(1500 - 40 - 12, Metric(r, IpipFiltered, "bulk", "tcp_segment_payload")); // still the pod's MTU's
        Assert.True(Drops(bulk, "PktTooBig") > 0);
        Assert.True(Drops(bulk, "Netfilter") > 0); // the fragmentation-needed errors, dropped by the firewall
        Assert.All(Series(r, IpipFiltered, "rr"), t => Assert.True(t.Transactions > 0));
    }

    [Fact]
    public void The_plugins_own_MTU_is_the_fix_nothing_is_fragmented_dropped_or_retransmitted_whatever_ICMP_does()
    {
        var r = Shipped.Value;
        foreach (var cni in new[] { "calico-vxlan", "calico-ipip" })
        {
            foreach (var icmp in new[] { "allowed", "filtered" })
            {
                string variant = $"{cni}/podmtu-auto/icmp-{icmp}";
                var bulk = Series(r, variant, "bulk");
                Assert.All(bulk, t => Assert.True(t.GoodputMbps > 1000));
                Assert.Equal(0, Drops(bulk, "PktTooBig"));
                Assert.Equal(0, StageNsPerByte(r, variant, "Fragment"));
                Assert.Null(Metric(r, variant, "bulk", "tcp_timeouts"));
            }
        }
    }

    [Fact]
    public void The_same_seed_gives_byte_identical_timeseries_on_one_thread_or_two()
    {
        Assert.Equal(ResultCsv.Timeseries(Shipped.Value), ResultCsv.Timeseries(Run(Scenario.Value, threads: 1)));
    }
}

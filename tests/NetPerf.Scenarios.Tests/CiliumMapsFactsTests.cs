using NetPerf.Kubernetes.Cni.Cilium;
using NetPerf.Scenarios.Loading;
using NetPerf.Scenarios.Running;
using Xunit.Abstractions;

namespace NetPerf.Scenarios.Tests;

/// <summary>
/// cluster.cilium's map sizes (Helm's bpf.ctTcpMax, bpf.ctAnyMax, bpf.natMax, bpf.mapDynamicSizeRatio; the agent's
/// pkg/maps/mapsize) and bigTcp (enableIPv4BIGTCP; pkg/datapath/linux/bigtcp): read as the agent reads them, refused
/// where the agent refuses them, and what a full map does to a run.
/// </summary>
public class CiliumMapsFactsTests(ITestOutputHelper log)
{
    private static string Yaml(string cilium, string cni = "cilium-native", string extraCluster = "") => $$"""
        name: maps
        duration: 100ms
        warmup: 5ms
        cluster:
          nodes: 2
          cni: {{cni}}{{extraCluster}}
          cilium:
        {{cilium}}
        workloads:
          - { name: crr, test: TCP_CRR, clients: 4, paths: [pod-cross-node] }
        """;

    [Fact]
    public void With_a_ratio_of_0_the_maps_have_ciliums_fixed_defaults()
    {
        // The agent uses ctMapEntriesGlobalTCPDefault and the rest only when bpf-map-dynamic-size-ratio is 0 (pkg/maps/mapsize).
        var sizes = ScenarioReader.Parse(Yaml("    mapDynamicSizeRatio: 0", extraCluster: "\n  memoryGiBPerNode: 64"), "maps.yaml").Cluster.Cilium.MapSizes;
        Assert.Equal((524_288, 262_144, 524_288), (sizes.CtTcp, sizes.CtAny, sizes.Nat));
    }

    [Theory]
    [InlineData("", 151_765, 75_882, 151_765)]                  // the model's default 4 cores x 4 GiB: 16 GiB x 0.0025 over the defaults' 148,373,504 bytes
    [InlineData("\n  coresPerNode: 2", 131_072, 65_536, 131_072)] // 8 GiB: below the floors (limitTableAuto*Min), as on an 8 GiB node
    public void Without_the_nodes_memory_the_maps_are_sized_by_helms_default_ratio_from_4_GiB_a_core(string cores, int tcp, int any, int nat)
    {
        // Helm's bpf.mapDynamicSizeRatio defaults to 0.0025, so the agent derives the sizes from the node's memory
        // unless told otherwise; the node's memory is the model's default, 4 GiB a core, when the scenario gives none.
        var cilium = ScenarioReader.Parse(Yaml("    kubeProxyReplacement: false", extraCluster: cores), "maps.yaml").Cluster.Cilium;
        Assert.Equal((tcp, any, nat), (cilium.MapSizes.CtTcp, cilium.MapSizes.CtAny, cilium.MapSizes.Nat));
        Assert.NotNull(cilium.MapSizesFromMemoryGiB);
    }

    [Fact]
    public void A_ratio_without_the_nodes_memory_sizes_the_maps_from_the_default_memory_and_warns_of_nothing()
    {
        var warnings = new List<string>();
        var sizes = ScenarioReader.Parse(Yaml("    mapDynamicSizeRatio: 0.01"), "maps.yaml", warnings).Cluster.Cilium.MapSizes;
        Assert.Empty(warnings);
        // 16 GiB x 0.01 = 171,798,691 bytes over 148,373,504: 1.158 of each default.
        Assert.Equal((607_062, 303_531, 607_062), (sizes.CtTcp, sizes.CtAny, sizes.Nat));
    }

    [Theory]
    [InlineData(30, 284_560, 142_280, 284_560)]  // the published table of the ratio 0.0025 (Huawei CCE DataPlane V2): 30 GiB, 284,560 TCP entries
    [InlineData(8, 131_072, 65_536, 131_072)]    // below the floors (limitTableAuto*Min): cilium status on an 8 GiB node shows 131072 and 65536
    public void With_the_nodes_memory_the_maps_are_sized_by_the_dynamic_ratio_as_the_agent_sizes_them(double gib, int tcp, int any, int nat)
    {
        var sizes = ScenarioReader.Parse(Yaml("    kubeProxyReplacement: false", extraCluster: $"\n  memoryGiBPerNode: {gib}"), "maps.yaml").Cluster.Cilium.MapSizes;
        Assert.Equal((tcp, any, nat), (sizes.CtTcp, sizes.CtAny, sizes.Nat));
    }

    [Fact]
    public void A_size_given_replaces_the_derived_one_and_a_default_nat_map_is_cut_to_two_thirds_of_small_conntrack_maps()
    {
        var sizes = ScenarioReader.Parse(Yaml("    ctTcpMax: 4096\n    ctAnyMax: 2048"), "maps.yaml").Cluster.Cilium.MapSizes;
        Assert.Equal((4096, 2048, (4096 + 2048) * 2 / 3), (sizes.CtTcp, sizes.CtAny, sizes.Nat));
    }

    [Theory]
    [InlineData("    ctTcpMax: 512", "maps.yaml:8:15:", "cluster.cilium.ctTcpMax: 512 is out of range; allowed: 1024 to 16777216")]
    [InlineData("    ctAnyMax: lots", "maps.yaml:8:15:", "cluster.cilium.ctAnyMax: expected a whole number from 1024 to 16777216")]
    [InlineData("    ctTcpMax: 1024\n    ctAnyMax: 1024\n    natMax: 4096", "maps.yaml:10:13:", "cluster.cilium.natMax: 4096 entries are more than the two conntrack maps hold together (1024 + 1024); Cilium's agent refuses it")]
    [InlineData("    mapDynamicSizeRatio: 2", "maps.yaml:8:26:", "cluster.cilium.mapDynamicSizeRatio: 2 is out of range; allowed: 0 to 1")]
    public void A_size_the_agent_refuses_is_refused_at_its_line_with_what_is_allowed(string cilium, string at, string message)
    {
        var error = Assert.Throws<ScenarioException>(() => ScenarioReader.Parse(Yaml(cilium), "maps.yaml"));
        Assert.Contains(at, error.Message);
        Assert.Contains(message, error.Message);
    }

    [Fact]
    public void The_conntrack_lifetimes_and_collector_interval_are_read_as_the_agents_flags()
    {
        var t = ScenarioReader.Parse(Yaml("    conntrackGCInterval: 15s\n    ctTimeoutRegularTcp: 3600s\n    ctTimeoutRegularTcpFin: 5s\n    ctTimeoutRegularAny: 30s"), "maps.yaml").Cluster.Cilium.ConntrackTimeouts;
        Assert.Equal(Engine.Time.SimTime.FromSeconds(15), t.GcInterval);
        Assert.Equal(Engine.Time.SimTime.FromSeconds(3600), t.RegularTcp);
        Assert.Equal(Engine.Time.SimTime.FromSeconds(5), t.RegularTcpFin);
        Assert.Equal(Engine.Time.SimTime.FromSeconds(30), t.RegularAny);
        Assert.Equal(CiliumConntrackTimeouts.Default.RegularTcpSyn, t.RegularTcpSyn); // not given: the agent's 60 s
        // 0s, as the agent's flag: its own adaptive schedule.
        Assert.Equal(Engine.Time.SimTime.Zero, ScenarioReader.Parse(Yaml("    conntrackGCInterval: 0s"), "maps.yaml").Cluster.Cilium.ConntrackTimeouts.GcInterval);
    }

    [Theory]
    [InlineData("    conntrackGCInterval: 12h", "maps.yaml:8:26:", "cluster.cilium.conntrackGCInterval: expected a duration with a unit (ns, us, ms or s)")]
    [InlineData("    conntrackGCInterval: 50000s", "maps.yaml:8:26:", "cluster.cilium.conntrackGCInterval: 50000s is out of range")]
    [InlineData("    ctTimeoutRegularTcpFin: 500ms", "maps.yaml:8:29:", "cluster.cilium.ctTimeoutRegularTcpFin: 500ms is out of range")]
    public void A_lifetime_or_interval_out_of_range_is_refused_at_its_line(string cilium, string at, string message)
    {
        var error = Assert.Throws<ScenarioException>(() => ScenarioReader.Parse(Yaml(cilium), "maps.yaml"));
        Assert.Contains(at, error.Message);
        Assert.Contains(message, error.Message);
    }

    [Fact]
    public void Expired_entries_leave_only_when_the_agents_collector_scans()
    {
        // TCP_CRR, one client, for 4 s: about 9,000 connections a second. The agent's own schedule scans first at 5
        // minutes, so nothing is collected in the run. Scanning every second with a 1 s close timeout, the collector
        // deletes the closed entries whose tuple was not used again meanwhile: the client's ports come round about a
        // second after their TIME_WAIT began (tcp_tw_reuse), and a SYN on a closed entry reopens it (CT_REOPENED), so
        // it deletes fewer entries than connections close, but thousands a second.
        string Crr(string cilium) => Yaml(cilium).Replace("duration: 100ms", "duration: 4s").Replace("clients: 4", "clients: 1");
        var summary = ResultSetBuilder.Build(ScenarioRunner.Run(ScenarioReader.Parse(Crr("    ctTcpMax: 16384"), "maps.yaml"), new RunOptions())).Summary;
        var collected = ResultSetBuilder.Build(ScenarioRunner.Run(ScenarioReader.Parse(Crr("    ctTcpMax: 16384\n    conntrackGCInterval: 1s\n    ctTimeoutRegularTcpFin: 1s"), "maps.yaml"), new RunOptions())).Summary;
        double Metric(IEnumerable<NetPerf.Reporting.SummaryRow> rows, string metric) => rows.Where(r => r.Metric == metric).Select(r => r.Mean).DefaultIfEmpty(0).Single();
        log.WriteLine($"{Metric(summary, "throughput")} connections/s; gc deletions/s {Metric(collected, "bpf_ct_gc_deletions")}");

        Assert.DoesNotContain(summary, r => r.Metric == "bpf_ct_gc_deletions");
        Assert.True(Metric(collected, "bpf_ct_gc_deletions") > 0.1 * Metric(collected, "throughput"));
        Assert.True(Metric(collected, "bpf_ct_gc_deletions") < 2 * Metric(collected, "throughput"), "at most an egress and an ingress entry a connection");
        Assert.Equal(0, Metric(collected, "lost"));
        Assert.Equal(0, Metric(collected, "lost"));
    }

    [Fact]
    public void A_conntrack_map_smaller_than_the_live_connections_evicts_and_the_run_loses_nothing()
    {
        // TCP_CRR: every connection takes an egress entry on the client's node and an ingress entry on the server's,
        // and in 100 ms nothing leaves the map but by eviction (the agent's collector first scans after 5 minutes): 1,024 fill early.
        var summary = ResultSetBuilder.Build(ScenarioRunner.Run(ScenarioReader.Parse(Yaml("    ctTcpMax: 1024"), "maps.yaml"), new RunOptions())).Summary;
        double Metric(string metric) => summary.Where(r => r.Metric == metric).Select(r => r.Mean).DefaultIfEmpty(0).Single();
        log.WriteLine($"{Metric("throughput")} connections/s, {Metric("bpf_lru_evictions")} evictions/s");

        Assert.True(Metric("bpf_lru_evictions") > 0);
        Assert.Equal(0, Metric("lost"));
        Assert.Equal(0, Metric("conntrack_drops"));

        var ample = ResultSetBuilder.Build(ScenarioRunner.Run(ScenarioReader.Parse(Yaml("    ctTcpMax: 524288"), "maps.yaml"), new RunOptions())).Summary;
        Assert.DoesNotContain(ample, r => r.Metric == "bpf_lru_evictions");
    }

    [Fact]
    public void Big_tcp_with_legacy_host_routing_is_refused_at_its_line_saying_what_it_needs()
    {
        var error = Assert.Throws<ScenarioException>(() => ScenarioReader.Parse(Yaml("    kubeProxyReplacement: true\n    bigTcp: true"), "big.yaml"));
        Assert.Contains("big.yaml:9:13:", error.Message);
        Assert.Contains("cluster.cilium.bigTcp: Cilium's agent refuses BIG TCP with legacy host routing", error.Message);
        Assert.Contains("hostRouting: ebpf, which needs kubeProxyReplacement: true and bpfMasquerade: true", error.Message);
    }

    [Theory]
    [InlineData("cilium-vxlan")]
    [InlineData("cilium-geneve")]
    public void Big_tcp_with_a_tunnel_is_refused_at_its_line(string cni)
    {
        var error = Assert.Throws<ScenarioException>(() => ScenarioReader.Parse(Yaml(EbpfBigTcp, cni), "big.yaml"));
        Assert.Contains("big.yaml:11:13:", error.Message);
        Assert.Contains("Cilium's agent refuses BIG TCP in tunnelling mode", error.Message);
        Assert.Contains(cni, error.Message);
    }

    [Fact]
    public void A_scenarios_TCP_STREAM_with_big_tcp_costs_less_CPU_per_byte_than_without()
    {
        double PerByte(string cilium)
        {
            string yaml = $$"""
                name: stream
                duration: 20ms
                warmup: 5ms
                cluster:
                  nodes: 2
                  cni: cilium-native
                  cilium: { {{cilium}} }
                workloads:
                  - { name: bulk, test: TCP_STREAM, paths: [pod-cross-node] }
                """;
            var summary = ResultSetBuilder.Build(ScenarioRunner.Run(ScenarioReader.Parse(yaml, "stream.yaml"), new RunOptions())).Summary;
            return summary.Single(r => r.Metric == "cpu_per_byte").Mean;
        }

        double legacy = PerByte("kubeProxyReplacement: true, bpfMasquerade: true, hostRouting: ebpf");
        double big = PerByte("kubeProxyReplacement: true, bpfMasquerade: true, hostRouting: ebpf, bigTcp: true");
        log.WriteLine($"TCP_STREAM CPU per byte: {legacy:F4} ns without BIG TCP, {big:F4} ns with");
        Assert.True(big < 0.9 * legacy, $"{big} ns/B with BIG TCP, {legacy} without");
    }

    [Fact]
    public void Describe_lists_the_raised_gso_and_gro_sizes_on_the_nodes_device_as_ip_d_link_shows_them()
    {
        string Devices(string cilium)
        {
            var s = ScenarioReader.Parse(Yaml(cilium), "big.yaml");
            var variant = s.Variants().Single();
            return ClusterDescription.Describe(new ClusterBuild(s, variant, s.Seed), variant, s);
        }

        Assert.Contains("eth0: mtu 1500 gso_ipv4_max_size 196608 gro_ipv4_max_size 196608", Devices(EbpfBigTcp), StringComparison.Ordinal);
        Assert.Contains("eth0: mtu 1500" + Environment.NewLine, Devices("    kubeProxyReplacement: true"), StringComparison.Ordinal);
    }

    [Fact]
    public void Describe_shows_the_map_sizes_in_use_and_where_they_come_from()
    {
        string Describe(string cilium, string cni = "cilium-native", string extraCluster = "")
        {
            var s = ScenarioReader.Parse(Yaml(cilium, cni, extraCluster), "maps.yaml");
            var variant = s.Variants().Single();
            return ClusterDescription.Describe(new ClusterBuild(s, variant, s.Seed), variant, s);
        }

        Assert.Contains("# Cilium's BPF maps on every node: cilium_ct4_global (TCP) 151765 entries, cilium_ct_any4_global 75882, cilium_snat_v4_external (NAT) 151765; those not given derived from 16 GiB of node memory by bpf-map-dynamic-size-ratio 0.0025",
            Describe("    kubeProxyReplacement: false"), StringComparison.Ordinal);
        Assert.Contains("cilium_ct4_global (TCP) 524288 entries, cilium_ct_any4_global 262144, cilium_snat_v4_external (NAT) 524288; bpf-map-dynamic-size-ratio 0: the fixed defaults",
            Describe("    mapDynamicSizeRatio: 0"), StringComparison.Ordinal);
        Assert.Contains("cilium_ct4_global (TCP) 4096 entries, cilium_ct_any4_global 2048, cilium_snat_v4_external (NAT) 4096; all given",
            Describe("    ctTcpMax: 4096\n    ctAnyMax: 2048\n    natMax: 4096"), StringComparison.Ordinal);
        Assert.DoesNotContain("Cilium's BPF maps", Describe("    kubeProxyReplacement: false", cni: "flannel-vxlan"), StringComparison.Ordinal);
    }

    private const string EbpfBigTcp = "    kubeProxyReplacement: true\n    bpfMasquerade: true\n    hostRouting: ebpf\n    bigTcp: true";

    [Fact]
    public void Big_tcp_on_a_kernel_before_6_3_is_warned_at_its_line_and_left_off()
    {
        var warnings = new List<string>();
        var scenario = ScenarioReader.Parse(Yaml(EbpfBigTcp, extraCluster: "\n  kernel: \"5.4\""), "big.yaml", warnings);
        Assert.Contains(warnings, w => w.StartsWith("big.yaml:12:13: warning: cluster.cilium.bigTcp: ") && w.Contains("needs Linux 6.3"));
        var cni = scenario.Variants().Single().Cni.Create();
        scenario.Cluster.Cilium.Apply(cni, scenario.Cluster.Kernel);
        Assert.False(((CiliumDatapath)cni).BigTcp);

        var current = ScenarioReader.Parse(Yaml(EbpfBigTcp), "big.yaml");
        var on = current.Variants().Single().Cni.Create();
        current.Cluster.Cilium.Apply(on, current.Cluster.Kernel);
        Assert.True(((CiliumDatapath)on).BigTcp);
    }
}

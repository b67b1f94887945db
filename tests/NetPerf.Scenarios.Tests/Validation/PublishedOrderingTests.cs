using NetPerf.Network.Cpu;
using NetPerf.Scenarios.Loading;
using NetPerf.Scenarios.Model;
using NetPerf.Scenarios.Running;
using Xunit.Abstractions;

namespace NetPerf.Scenarios.Tests.Validation;

/// <summary>
/// The validation table (docs/cost-model.md; summarised in the README), a test per row: each row of ../shared/reference/measurements.md that NetPerf's
/// physical profile (cost-model.csv, the default for fabric: switch) should reproduce, run as a short scenario.
/// A row that holds asserts the published figure within the published row's own tolerance. A row NetPerf
/// misses is kept, named "..._a_known_miss", and asserts that the figure is still outside the published band:
/// it fails when the model changes enough to reach it, so the table cannot go stale either way.
/// </summary>
public class PublishedOrderingTests(ITestOutputHelper log)
{
    static IReadOnlyList<UnitResult> Run(string yaml) =>
        ScenarioRunner.Run(ScenarioReader.Parse(yaml, "validation.yaml"), new RunOptions()).Results;

    static UnitResult One(IReadOnlyList<UnitResult> rs, string cni, string path = "pod-cross-node", int? bytes = null, string? proxy = null, int? services = null) =>
        rs.Single(r => r.Unit.Variant.Cni.Name == cni && r.Unit.Path.Name() == path && (bytes is null || r.RequestBytes == bytes)
            && (proxy is null || r.Unit.Variant.KubeProxy.Name == proxy) && (services is null || r.Unit.Variant.ExtraServices == services));

    /// <summary>Datagrams per second delivered to the receiving application.</summary>
    static double Pps(UnitResult r) => r.Report.GoodputBitsPerSecond / 8 / r.RequestBytes;

    static double Mbit(UnitResult r) => r.Report.GoodputBitsPerSecond / 1e6;

    static double CpuPerTransaction(UnitResult r) => r.Report.CpuNanosecondsPerTransaction;

    /// <summary>A single UDP stream of 1400-byte datagrams offered at 10 Gbit/s (more than one core can send):
    /// D20's iperf3 UDP figures are about 1390 bytes a datagram (2810 Mbit/s at 253k pps).</summary>
    static IReadOnlyList<UnitResult> UdpStream(string cnis, int mtu = 1500, int bytes = 1400, string paths = "pod-cross-node") => Run($$"""
        name: udp-stream
        duration: 10ms
        warmup: 2ms
        cluster: { mtu: {{mtu}} }
        workloads:
          - { name: flood, test: UDP_STREAM, request: {{bytes}}, rateGbps: 20, paths: [{{paths}}] }
        compare:
          cni: [{{cnis}}]
        """);

    static IReadOnlyList<UnitResult> TcpStream(string cnis, int mtu = 1500, string paths = "pod-cross-node") => Run($$"""
        name: tcp-stream
        duration: 10ms
        warmup: 2ms
        cluster: { mtu: {{mtu}} }
        workloads:
          - { name: stream, test: TCP_STREAM, paths: [{{paths}}] }
        compare:
          cni: [{{cnis}}]
        """);

    static IReadOnlyList<UnitResult> TcpRrBySize(string cnis) => Run($$"""
        name: rr-sizes
        duration: 10ms
        warmup: 2ms
        workloads:
          - { name: rr, test: TCP_RR, paths: [pod-cross-node] }
        compare:
          cni: [{{cnis}}]
          messageBytes: [64, 32768]
        """);

    static IReadOnlyList<UnitResult> CrrByServices(string proxies, string services, string iptables = "nft") => Run($$"""
        name: crr-services
        duration: 10ms
        warmup: 2ms
        cluster: { cni: calico-bgp, iptables: {{iptables}} }
        workloads:
          - { name: crr, test: TCP_CRR, paths: [cluster-ip] }
        compare:
          kubeProxy: [{{proxies}}]
          services: [{{services}}]
        """);

    static void AssertKnownMiss(double figure, double low, double high, string what)
    {
        Assert.False(figure >= low && figure <= high,
            $"{what}: {figure:G4} is now inside the published band [{low:G4}, {high:G4}]: the row holds; make it a holding test and update the table in docs/cost-model.md and the README");
    }

    /// <summary>A tunnel's kernel CPU per TCP_RR transaction over calico-bgp's direct routes, at 64 B and at 32 KiB.</summary>
    (double Small, double Large) OverheadBySize(string tunnel)
    {
        var rs = TcpRrBySize($"calico-bgp, {tunnel}");
        double small = CpuPerTransaction(One(rs, tunnel, bytes: 64)) / CpuPerTransaction(One(rs, "calico-bgp", bytes: 64));
        double large = CpuPerTransaction(One(rs, tunnel, bytes: 32768)) / CpuPerTransaction(One(rs, "calico-bgp", bytes: 32768));
        log.WriteLine($"TCP_RR kernel CPU per transaction, {tunnel} / calico-bgp: 64 B {small:F3}, 32 KiB {large:F3}");
        return (small, large);
    }

    // D20-1 / MTU-20 and "Orderings that hold across testbeds": encapsulation costs per packet, so it shows most
    // with small messages. Tolerance: the ordering itself (the overhead ratio at 32 KiB strictly below 64 B's).
    [Fact]
    public void IP_in_IP_costs_per_packet_so_its_overhead_over_direct_routing_shrinks_from_small_to_large_messages()
    {
        var (small, large) = OverheadBySize("calico-ipip");
        Assert.True(large < small, $"IP-in-IP overhead {small:F3} at 64 B, {large:F3} at 32 KiB");
    }

    // D20-1 / MTU-20, the same ordering for VXLAN. It held only once a GSO super-packet's encapsulation was priced
    // per super-packet (vxlan_xmit builds one outer header; no payload byte is touched): before, VxlanEncapsulate and
    // VxlanDecapsulate's 0.145 ns per byte, measured with 1,400-byte datagrams, was charged over every super-packet byte.
    // Tolerance: the ordering itself.
    [Fact]
    public void VXLAN_costs_per_packet_so_its_overhead_over_direct_routing_shrinks_from_small_to_large_messages()
    {
        var (small, large) = OverheadBySize("flannel-vxlan");
        Assert.True(large < small, $"VXLAN overhead {small:F3} at 64 B, {large:F3} at 32 KiB");
    }

    // D20-1: with jumbo frames a single encapsulated TCP stream is as fast as an unencapsulated one (Calico IPIP at
    // MTU 8940 9834 and Flannel VXLAN at 8950 9690 against Cilium's 9426 Mbit/s: encapsulated / unencapsulated
    // >= 1.03). Tolerance: at least 0.99 of the direct stream (no published pair is below 1.0).
    [Fact]
    public void With_jumbo_frames_an_encapsulated_TCP_stream_is_as_fast_as_an_unencapsulated_one()
    {
        var rs = TcpStream("calico-bgp, calico-ipip, flannel-vxlan", mtu: 9000);
        double direct = Mbit(One(rs, "calico-bgp"));
        foreach (var cni in new[] { "calico-ipip", "flannel-vxlan" })
        {
            double ratio = Mbit(One(rs, cni)) / direct;
            log.WriteLine($"TCP_STREAM at MTU 9000: {cni} {Mbit(One(rs, cni)):F0} Mbit/s, calico-bgp {direct:F0}: {ratio:F4}");
            Assert.True(ratio >= 0.99, $"{cni}: {ratio:F4} of the direct stream");
        }
    }

    // D20-1: with jumbo frames a single encapsulated UDP stream is as fast as an unencapsulated one (Calico IPIP at
    // MTU 8940 9757 and Flannel VXLAN at 8950 9846 against Cilium's 9726 Mbit/s). Tolerance: at least 0.99 of the
    // direct stream. NetPerf misses it: every datagram is a packet of its own, and the sender's core (not the line)
    // limits the tunnel: 8900-byte datagrams at about 9.4 us each over IP-in-IP.
    [Fact]
    public void With_jumbo_frames_an_encapsulated_UDP_stream_is_as_fast_as_an_unencapsulated_one_a_known_miss()
    {
        var rs = UdpStream("calico-bgp, calico-ipip", mtu: 9000, bytes: 8900);
        double ratio = Mbit(One(rs, "calico-ipip")) / Mbit(One(rs, "calico-bgp"));
        log.WriteLine($"UDP_STREAM 8900 B at MTU 9000: calico-ipip {Mbit(One(rs, "calico-ipip")):F0} Mbit/s, calico-bgp {Mbit(One(rs, "calico-bgp")):F0}: {ratio:F3}");
        AssertKnownMiss(ratio, 0.99, double.PositiveInfinity, "IP-in-IP / direct UDP at jumbo MTU");
    }

    // D20-2: a ClusterIP adds almost nothing to a long flow: TCP to a ClusterIP within 2% of pod to pod (Flannel 9826
    // vs 9690, Calico IPIP 8773 vs 8787 Mbit/s). Tolerance: 2%.
    [Fact]
    public void A_single_TCP_stream_to_a_ClusterIP_is_within_two_percent_of_pod_to_pod()
    {
        var rs = TcpStream("flannel-vxlan, calico-ipip", paths: "pod-cross-node, cluster-ip");
        foreach (var cni in new[] { "flannel-vxlan", "calico-ipip" })
        {
            double ratio = Mbit(One(rs, cni, "cluster-ip")) / Mbit(One(rs, cni));
            log.WriteLine($"TCP_STREAM {cni}: ClusterIP {Mbit(One(rs, cni, "cluster-ip")):F0} Mbit/s, pod {Mbit(One(rs, cni)):F0}: {ratio:F4}");
            Assert.InRange(ratio, 0.98, 1.02);
        }
    }

    // R-17 and "Orderings that hold across testbeds": iptables' cost grows with the number of Services for new
    // connections, IPVS and nftables stay nearly flat. Tolerance: iptables' kernel CPU per connection grows by at
    // least 5% from 10 to 1,000 Services (R-17: 15,000 rules cut accepted connections by 75%), IPVS's and
    // nftables' by under 1% ("nearly flat").
    [Fact]
    public void For_new_connections_iptables_cost_grows_with_the_number_of_Services_while_IPVS_and_nftables_stay_flat()
    {
        var rs = CrrByServices("iptables, ipvs, nftables", "10, 1000");
        foreach (var proxy in new[] { "iptables", "ipvs", "nftables" })
        {
            double growth = CpuPerTransaction(One(rs, "calico-bgp", "cluster-ip", proxy: proxy, services: 1000))
                / CpuPerTransaction(One(rs, "calico-bgp", "cluster-ip", proxy: proxy, services: 10)) - 1;
            log.WriteLine($"TCP_CRR to a ClusterIP, {proxy}: kernel CPU per connection +{growth:P2} from 10 to 1,000 Services");
            if (proxy == "iptables")
            {
                Assert.True(growth >= 0.05, $"iptables +{growth:P2}");
            }
            else
            {
                Assert.InRange(growth, -0.01, 0.01);
            }
        }
    }

    // R-17, read per rule evaluation ("Reading these rows correctly": 25-30 ns per rule per connection is several
    // packets' walks, one evaluation roughly 7-9 ns). The client's node walks KUBE-SERVICES once per new
    // connection (its SYN), so its NetfilterRule time per connection per extra Service is one evaluation.
    // Tolerance: 7 to 9 ns. R-17 ran iptables-legacy (x_tables), so the nodes here do too (cluster.iptables: legacy);
    // iptables-nft, today's default, was measured at 13.6 ns per rule on this project's machine.
    [Fact]
    public void One_legacy_iptables_rule_evaluation_costs_seven_to_nine_nanoseconds()
    {
        var rs = CrrByServices("iptables", "10, 1000", iptables: "legacy");
        double RuleNs(UnitResult r) =>
            r.Report.Cpu.Single(h => h.Host == "node1").PicosecondsByStage.GetValueOrDefault(KernelStage.NetfilterRule) / 1000.0 / r.Report.Transactions;
        double perService = (RuleNs(One(rs, "calico-bgp", "cluster-ip", services: 1000)) - RuleNs(One(rs, "calico-bgp", "cluster-ip", services: 10))) / 990;
        log.WriteLine($"node1's rule time per new connection per extra Service: {perService:F2} ns");
        Assert.InRange(perService, 7.0, 9.0);
    }

    // D20-5: encapsulated single-stream UDP at 167-178k pps against 253k unencapsulated: 0.66 to 0.70 of the
    // unencapsulated rate (the tolerance). Flannel VXLAN against flannel host-gw: the same plugin with and without
    // the tunnel (Canal's VXLAN and kube-router's bridged direct routing in D20).
    [Fact]
    public void A_single_VXLAN_UDP_stream_gets_about_two_thirds_of_the_unencapsulated_packet_rate()
    {
        var rs = UdpStream("flannel-host-gw, flannel-vxlan");
        double ratio = Pps(One(rs, "flannel-vxlan")) / Pps(One(rs, "flannel-host-gw"));
        log.WriteLine($"UDP_STREAM 1400 B: flannel-vxlan {Pps(One(rs, "flannel-vxlan")):F0} pps, flannel-host-gw {Pps(One(rs, "flannel-host-gw")):F0}: {ratio:F3}");
        Assert.InRange(ratio, 167.0 / 253, 178.0 / 253);
    }

    // D20-5, the same band (0.66 to 0.70) for Calico IP-in-IP against Calico's direct routes. NetPerf misses it
    // high: IpipEncapsulate/IpipDecapsulate are VXLAN's costs scaled by header bytes (no ipip module to measure),
    // which leaves IP-in-IP cheaper than D20 saw.
    [Fact]
    public void A_single_IP_in_IP_UDP_stream_gets_about_two_thirds_of_the_unencapsulated_packet_rate_a_known_miss()
    {
        var rs = UdpStream("calico-bgp, calico-ipip");
        double ratio = Pps(One(rs, "calico-ipip")) / Pps(One(rs, "calico-bgp"));
        log.WriteLine($"UDP_STREAM 1400 B: calico-ipip {Pps(One(rs, "calico-ipip")):F0} pps, calico-bgp {Pps(One(rs, "calico-bgp")):F0}: {ratio:F3}");
        AssertKnownMiss(ratio, 167.0 / 253, 178.0 / 253, "IP-in-IP / direct UDP packet rate");
    }

    // D20-5: unencapsulated single-stream UDP at 253k pps, "about 4 us per packet" at the bottleneck. Tolerance:
    // 10% (3.6 to 4.4 us). NetPerf misses it low although NicTransmit was derived from this row: the derivation
    // took 1817 ns of send-side stages off 3953 ns, but the sender's core also runs the veth, the host's
    // forwarding and conntrack before the NIC, so a packet takes about 6.3 us there.
    [Fact]
    public void An_unencapsulated_single_UDP_stream_carries_about_253_thousand_packets_a_second_a_known_miss()
    {
        var rs = UdpStream("calico-bgp, flannel-host-gw");
        foreach (var cni in new[] { "calico-bgp", "flannel-host-gw" })
        {
            log.WriteLine($"UDP_STREAM 1400 B, {cni}: {Pps(One(rs, cni)):F0} pps ({1e6 / Pps(One(rs, cni)):F2} us a packet)");
            AssertKnownMiss(Pps(One(rs, cni)), 253e3 * 0.9, 253e3 * 1.1, $"{cni} UDP packet rate");
        }
    }

    // D20-5: through a Service (DNAT) the UDP packet rate is 4-5% lower (the tolerance: 0.95 to 0.96 of pod to
    // pod). The measured Service has its UDP port since UDP Services were built: the stream is DNATed, and NetPerf
    // puts it at 0.949 of pod to pod (151,500 against 159,600 pps, calico-bgp, physical profile), just below the band.
    [Fact]
    public void A_single_UDP_stream_through_a_Service_gets_four_to_five_percent_fewer_packets_a_second_a_known_miss()
    {
        var rs = UdpStream("calico-bgp", paths: "pod-cross-node, cluster-ip");
        double ratio = Pps(One(rs, "calico-bgp", "cluster-ip")) / Pps(One(rs, "calico-bgp"));
        log.WriteLine($"UDP_STREAM 1400 B, calico-bgp: ClusterIP {Pps(One(rs, "calico-bgp", "cluster-ip")):F0} pps (lost {One(rs, "calico-bgp", "cluster-ip").Lost}), pod {Pps(One(rs, "calico-bgp")):F0}: {ratio:F3}");
        AssertKnownMiss(ratio, 0.95, 0.96, "ClusterIP / pod UDP packet rate");
    }

    // F-15: flannel host-gw runs a single connection at about line rate. Tolerance: within 1% of the payload a
    // 10 Gbit/s line carries at MTU 1500 (1448 of every 1538 bytes).
    [Fact]
    public void Flannel_host_gw_carries_a_single_TCP_connection_at_about_line_rate()
    {
        var rs = TcpStream("flannel-host-gw");
        double line = 10e3 * 1448 / 1538;
        log.WriteLine($"TCP_STREAM flannel-host-gw: {Mbit(One(rs, "flannel-host-gw")):F0} Mbit/s, line payload {line:F0}");
        Assert.InRange(Mbit(One(rs, "flannel-host-gw")) / line, 0.99, 1.01);
    }

    // F-15: flannel VXLAN's single connection gets 70-80% of 10G at best (the tolerance). NetPerf misses it high:
    // with offloads on (the default, as in D20) segmentation and GRO run once per super-packet, so a single stream
    // is limited by the line (less the tunnel's 50 header bytes), not by the sender's core.
    [Fact]
    public void A_single_flannel_VXLAN_TCP_connection_gets_seventy_to_eighty_percent_of_ten_gigabits_a_known_miss()
    {
        var rs = TcpStream("flannel-host-gw, flannel-vxlan");
        double share = Mbit(One(rs, "flannel-vxlan")) / 10e3;
        log.WriteLine($"TCP_STREAM flannel-vxlan: {Mbit(One(rs, "flannel-vxlan")):F0} Mbit/s = {share:P1} of 10G; host-gw {Mbit(One(rs, "flannel-host-gw")):F0}");
        Assert.True(Mbit(One(rs, "flannel-vxlan")) < Mbit(One(rs, "flannel-host-gw")), "VXLAN below host-gw (the ordering F-15 states)");
        AssertKnownMiss(share, 0.70, 0.80, "flannel-vxlan single stream share of 10G");
    }
}

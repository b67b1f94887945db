using NetPerf.Scenarios.Loading;

namespace NetPerf.Scenarios.Tests.Loading;

/// <summary>
/// Weave's fastdp works only where its heartbeat, a frame of the pod MTU sent with DF through VXLAN, crosses the
/// nodes' MTU; elsewhere every connection falls back to sleeve, as Weave's do, and the file runs so with a warning
/// at the MTU that decides it.
/// </summary>
public class WeaveSleeveValidationTests
{
    private static string Scenario(string cluster, string cni = "weave") => $$"""
        duration: 5ms
        cluster:
          nodes: 2
          cni: {{cni}}
        {{cluster}}
        workloads: [{name: rr, test: TCP_RR, paths: [pod-cross-node]}]
        """;

    [Theory]
    [InlineData("  mtu: 1426", false)]                // 1376 + 50: the default WEAVE_MTU just fits
    [InlineData("  mtu: 1425", true)]                 // one byte short: the heartbeat never arrives
    [InlineData("  mtu: 1400\n  podMtu: 1350", false)] // a smaller WEAVE_MTU is the fix
    [InlineData("  podMtu: 1451", true)]              // 1501 bytes on a 1500-byte node
    [InlineData("  mtu: 9000\n  podMtu: 8950", false)] // jumbo frames with WEAVE_MTU raised to match
    public void Fastdp_falls_back_to_sleeve_with_a_warning_where_nodes_cannot_carry_the_pod_MTU_plus_VXLANs_50_bytes(string cluster, bool fallsBack)
    {
        var warnings = new List<string>();
        var scenario = ScenarioReader.Parse(Scenario(cluster), "w.yaml", warnings);

        Assert.Equal("weave", scenario.Cluster.Cni.Name); // the variant runs, in sleeve where it must
        var sleeve = warnings.Where(w => w.Contains("falls back to sleeve", StringComparison.Ordinal)).ToList();
        if (!fallsBack)
        {
            Assert.Empty(sleeve);
            return;
        }

        var warning = Assert.Single(sleeve);
        Assert.StartsWith("w.yaml:5:", warning, StringComparison.Ordinal); // at the MTU that decides it (mtu, or podMtu when given)
        Assert.Contains("fragmentation needed", warning, StringComparison.Ordinal); // sleeve's 62 bytes leave less than the pods' MTU
    }

    [Fact]
    public void Weave_sleeve_is_a_plugin_of_its_own_and_runs_sleeve_with_no_warning()
    {
        var warnings = new List<string>();
        var scenario = ScenarioReader.Parse(Scenario("", "weave-sleeve"), "w.yaml", warnings);

        Assert.Equal("weave-sleeve", scenario.Cluster.Cni.Name);
        Assert.DoesNotContain(warnings, w => w.Contains("sleeve", StringComparison.Ordinal));
    }

    [Theory]
    [InlineData("  mtu: 1438", false)]   // 1376 + 62: a full frame fits
    [InlineData("  mtu: 1437", true)]    // one byte short: the weaver answers full-size DF frames with fragmentation needed
    [InlineData("  podMtu: 1439", true)] // 1501 bytes on a 1500-byte node
    public void Weave_sleeve_warns_where_its_62_bytes_leave_less_than_the_pods_MTU(string cluster, bool warned)
    {
        var warnings = new List<string>();
        var scenario = ScenarioReader.Parse(Scenario(cluster, "weave-sleeve"), "w.yaml", warnings);

        Assert.Equal("weave-sleeve", scenario.Cluster.Cni.Name);
        var mtu = warnings.Where(w => w.Contains("sleeve carries packets of at most", StringComparison.Ordinal)).ToList();
        Assert.Equal(warned ? 1 : 0, mtu.Count);
        Assert.All(mtu, w => Assert.StartsWith("w.yaml:5:", w, StringComparison.Ordinal));
    }

    /// <summary>Once refused (the Broken corpus's weave-sleeve-mtu.yaml and weave-sleeve-podmtu.yaml): now run, in sleeve, warned at the MTU that decides it.</summary>
    [Theory]
    [InlineData("""
        name: weave-sleeve-mtu
        cluster:
          nodes: 2
          cni: flannel-vxlan
          kubeProxy: iptables
          mtu: 1400
        workloads:
          - { name: rr, test: TCP_RR, paths: [pod-cross-node] }
        compare:
          cni: [flannel-vxlan, weave]
        """, "w.yaml:6:8: warning: cluster.mtu: weave gives pods an MTU of 1376 (its default), and fastdp's heartbeat, a frame that size sent with DF in VXLAN (1426 bytes on the wire), does not fit the nodes' MTU of 1400: every connection falls back to sleeve")]
    [InlineData("""
        name: weave-sleeve-podmtu
        cluster:
          nodes: 2
        workloads:
          - { name: rr, test: TCP_RR, paths: [pod-cross-node] }
        compare:
          podMtu: [auto, 1500]
          cni: [calico-vxlan, weave]
        """, "w.yaml:7:11: warning: compare.podMtu: weave (variant weave/podmtu-1500) gives pods an MTU of 1500, and fastdp's heartbeat, a frame that size sent with DF in VXLAN (1550 bytes on the wire), does not fit the nodes' MTU of 1500: every connection falls back to sleeve")]
    public void A_variant_fastdp_cannot_carry_runs_in_sleeve_warned_at_its_line_and_column(string text, string warning)
    {
        var warnings = new List<string>();
        var scenario = ScenarioReader.Parse(text, "w.yaml", warnings);

        Assert.Contains(scenario.Variants(), v => v.Cni.Name == "weave");
        Assert.Single(warnings, w => w.StartsWith(warning, StringComparison.Ordinal));
    }
}

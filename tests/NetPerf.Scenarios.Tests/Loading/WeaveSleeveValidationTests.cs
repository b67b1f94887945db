using NetPerf.Scenarios.Loading;

namespace NetPerf.Scenarios.Tests.Loading;

/// <summary>
/// Weave's fastdp works only where its heartbeat, a frame of the pod MTU sent with DF through VXLAN, crosses the
/// nodes' MTU; elsewhere every connection falls back to sleeve, which is not modelled, so the file is refused at
/// the MTU that decides it.
/// </summary>
public class WeaveSleeveValidationTests
{
    private static string Scenario(string cluster) => $$"""
        duration: 5ms
        cluster:
          nodes: 2
          cni: weave
        {{cluster}}
        workloads: [{name: rr, test: TCP_RR, paths: [pod-cross-node]}]
        """;

    [Theory]
    [InlineData("  mtu: 1426", true)]                 // 1376 + 50: the default WEAVE_MTU just fits
    [InlineData("  mtu: 1425", false)]                // one byte short: the heartbeat never arrives
    [InlineData("  mtu: 1400\n  podMtu: 1350", true)] // a smaller WEAVE_MTU is the fix
    [InlineData("  podMtu: 1451", false)]             // 1501 bytes on a 1500-byte node
    [InlineData("  mtu: 9000\n  podMtu: 8950", true)] // jumbo frames with WEAVE_MTU raised to match
    public void Fastdp_needs_nodes_that_carry_the_pod_MTU_plus_VXLANs_50_bytes(string cluster, bool accepted)
    {
        string text = Scenario(cluster);
        if (accepted)
        {
            Assert.Equal("weave", ScenarioReader.Parse(text, "w.yaml").Cluster.Cni.Name);
            return;
        }

        var e = Assert.Throws<ScenarioException>(() => ScenarioReader.Parse(text, "w.yaml"));
        var error = Assert.Single(e.Errors);
        Assert.Contains("would fall back to sleeve", error.Message, StringComparison.Ordinal);
        Assert.Equal(5, error.Line); // at the MTU that decides it (mtu, or podMtu when given)
    }
}

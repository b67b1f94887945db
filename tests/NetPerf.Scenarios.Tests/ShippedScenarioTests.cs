using NetPerf.Scenarios.Loading;
using NetPerf.Scenarios.Running;

namespace NetPerf.Scenarios.Tests;

/// <summary>Every scenario in scenarios/ validates and runs --quick to the end (the full-length runs stay out of the test run).</summary>
public class ShippedScenarioTests
{
    public static TheoryData<string> Files =>
        [.. Directory.GetFiles(Path.Combine(AppContext.BaseDirectory, "scenarios"), "*.yaml", SearchOption.AllDirectories)
            .Select(f => Path.GetRelativePath(Path.Combine(AppContext.BaseDirectory, "scenarios"), f).Replace('\\', '/'))
            .Where(f => !f.Contains("/manifests/", StringComparison.Ordinal)) // an example's Kubernetes manifests, which its scenario reads
            .Order(StringComparer.Ordinal)];

    [Theory]
    [MemberData(nameof(Files))]
    public void A_shipped_scenario_validates_and_runs_quick(string file)
    {
        var warnings = new List<string>();
        var scenario = ScenarioReader.Load(HeadlineRun.Shipped(file), warnings);
        if (file == "network-policy.yaml")
        {
            // It compares Calico with flannel on purpose, and the file is told so.
            Assert.Contains("flannel enforces no NetworkPolicy; in variant(s) flannel-vxlan the policies are accepted and every connection is allowed", Assert.Single(warnings));
        }
        else if (file == "examples/shop/shop.yaml")
        {
            // Its manifests hold a ConfigMap (ignored, as any kind the simulation does not use), and flannel-vxlan is compared with
            // Calico (flannel-host-gw is not: it needs one L2 segment, and the shop's zones are racks).
            Assert.Equal(2, warnings.Count);
            Assert.Contains(warnings, w => w.Contains("ConfigMap 'api-config' (v1) ignored", StringComparison.Ordinal));
            Assert.Contains(warnings, w => w.Contains("flannel enforces no NetworkPolicy; in variant(s) flannel-vxlan the manifests' 5 policies are accepted", StringComparison.Ordinal));
        }
        else if (file == "failures/failed-node.yaml")
        {
            // Its grace period is cut to 1 s so that it runs in seconds, and the file says why.
            Assert.Contains("cluster.nodeMonitorGracePeriod 1 s is shorter than the kubelet's 10 s lease renewal", Assert.Single(warnings), StringComparison.Ordinal);
        }
        else
        {
            Assert.Empty(warnings);
        }

        var outcome = ScenarioRunner.Run(scenario, new RunOptions { Quick = true });

        Assert.False(outcome.Partial);
        Assert.Equal(outcome.Units.Count, outcome.Results.Count);
        // The MTU black hole's IP-in-IP streams deliver nothing in 5 ms by design: the filtered one never does, and the
        // other only after its first retransmission timeout (hundreds of ms). Everything else measures something.
        static bool Silent(string file, UnitResult r) =>
            file == "failures/mtu-black-hole.yaml" && r.Unit.Workload.Name == "bulk" && r.Unit.Variant.Name.StartsWith("calico-ipip/podmtu-1500/", StringComparison.Ordinal);
        Assert.All(outcome.Results.Where(r => !Silent(file, r)), r => Assert.True(r.Report.Transactions > 0 || r.Report.GoodputBitsPerSecond > 0, $"{r.Unit.Label} measured nothing"));
    }
}

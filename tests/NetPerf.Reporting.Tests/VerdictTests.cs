namespace NetPerf.Reporting.Tests;

public sealed class VerdictTests
{
    [Fact]
    public void The_costliest_variant_is_compared_with_the_cheapest_and_the_difference_is_the_stages_one_of_them_skips()
    {
        IReadOnlyList<PathVerdict> verdicts = Verdict.Of(SyntheticResults.Create());

        Assert.Equal(SyntheticResults.Paths, verdicts.Select(v => v.Path)); // equal differences: run order
        foreach (PathVerdict v in verdicts)
        {
            // Calico has no VXLAN stage (300 ns on one node, 317.5 on the other); IPVS adds 3 ns to each of its 10 stages.
            Assert.Equal("flannel-vxlan/iptables", v.Costliest);
            Assert.Equal("calico-bgp/iptables", v.Cheapest);
            Assert.Equal(4305 / 3687.5, v.CpuRatio, 1e-9);
            Assert.Equal(0.6175, v.Difference, 1e-9);
            StageDifference cause = Assert.Single(v.Causes);
            Assert.Equal(new StageDifference("VxlanEncapsulate", "tunnel", 617.5), cause);
            Assert.False(v.NoDifference);
        }
    }

    [Fact]
    public void Variants_that_cost_the_same_are_no_difference_and_come_after_every_path_that_differs()
    {
        ResultSet results = SyntheticResults.Create();
        // A third path on which every variant has exactly the same figures (inside a pod no CNI is crossed).
        SummaryRow[] same = results.Summary.Where(r => r.Path == "pod-cross-node" && r.Variant == SyntheticResults.Baseline)
            .SelectMany(r => SyntheticResults.Variants.Select(v => r with { Path = "localhost", Variant = v.Variant, Cni = v.Cni, KubeProxy = v.KubeProxy }))
            .ToArray();
        CpuRow[] sameCpu = results.Cpu.Where(r => r.Path == "pod-cross-node" && r.Variant == SyntheticResults.Baseline)
            .SelectMany(r => SyntheticResults.Variants.Select(v => r with { Path = "localhost", Variant = v.Variant, Cni = v.Cni, KubeProxy = v.KubeProxy }))
            .ToArray();
        results = results with { Summary = [.. same, .. results.Summary], Cpu = [.. sameCpu, .. results.Cpu] };

        IReadOnlyList<PathVerdict> verdicts = Verdict.Of(results);

        Assert.Equal(["pod-cross-node", "cluster-ip", "localhost"], verdicts.Select(v => v.Path));
        Assert.True(verdicts[^1].NoDifference);
        Assert.Equal(1.0, verdicts[^1].CpuRatio);
        Assert.Empty(verdicts[^1].Causes);
        Assert.Equal(["pod-cross-node", "cluster-ip", "localhost"], Verdict.PathOrder(results, verdicts));
    }

    [Fact]
    public void One_variant_has_nothing_to_compare_with()
    {
        ResultSet results = SyntheticResults.Create();
        results = results with
        {
            Summary = results.Summary.Where(r => r.Variant == SyntheticResults.Baseline).ToList(),
            Cpu = results.Cpu.Where(r => r.Variant == SyntheticResults.Baseline).ToList(),
            Cdfs = [],
        };
        Assert.Empty(Verdict.Of(results));
    }

    [Fact]
    public void The_sentence_names_both_variants_the_ratios_and_the_stage_with_its_layer()
    {
        PathVerdict v = Verdict.Of(SyntheticResults.Create())[0];
        Assert.Equal(
            "flannel-vxlan/iptables costs 1.17x calico-bgp/iptables's kernel CPU per request (+0.618 µs) at 1.16x its p50 latency; "
            + "largest stage differences: VxlanEncapsulate (tunnel) +0.618 µs",
            Verdict.Sentence(v));
    }
}

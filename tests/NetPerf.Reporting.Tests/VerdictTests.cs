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

    /// <summary>
    /// Weave's sleeve encapsulates in its weaver, a user-space program: a verdict over it names the CPU as the
    /// kernel's and user space's, gives the user-space part of the difference, and labels the weaver's stages so.
    /// </summary>
    [Fact]
    public void CPU_spent_in_a_user_space_program_is_named_user_space_not_kernel()
    {
        var results = SleeveAgainstFastdp();
        PathVerdict v = Assert.Single(Verdict.Of(results));

        Assert.Equal("weave-sleeve", v.Costliest);
        Assert.Equal(0.6, v.UserSpaceDifference!.Value, 1e-9); // SleeveEncapsulate + SleeveDecapsulate, µs
        Assert.Equal("kernel and user-space CPU", v.CpuLabel);
        Assert.Equal(
            "weave-sleeve costs 1.70x weave's kernel and user-space CPU per request (+1.90 µs, of it user space +0.600 µs) at 1.36x its p50 latency; "
            + "largest stage differences: ContextSwitch (socket) +3.00 µs, VxlanEncapsulate (tunnel) -1.70 µs, SleeveDecapsulate (user space) +0.300 µs",
            Verdict.Sentence(v));

        // Kernel stages only: the CPU is the kernel's and nothing is said of user space.
        PathVerdict kernel = Verdict.Of(SyntheticResults.Create())[0];
        Assert.Null(kernel.UserSpaceDifference);
        Assert.Equal("kernel CPU", kernel.CpuLabel);
        Assert.DoesNotContain("user space", Verdict.Sentence(kernel), StringComparison.Ordinal);
    }

    /// <summary>Weave fastdp (kernel VXLAN) against sleeve (the weaver's wake-ups and its Go code), one TCP_RR workload.</summary>
    internal static ResultSet SleeveAgainstFastdp()
    {
        const string path = "pod-cross-node";
        SummaryRow Row(string variant, string metric, string unit, double mean, double? p50 = null) => new()
        {
            Scenario = "weave-modes", Variant = variant, Path = path, Cni = variant, KubeProxy = "iptables", Workload = "rr",
            Test = "TCP_RR", RequestBytes = 64, ResponseBytes = 64, Metric = metric, Unit = unit, Count = 100, Mean = mean, P50 = p50,
        };
        CpuRow Cpu(string variant, string stage, double ns) => new()
        {
            Scenario = "weave-modes", Variant = variant, Path = path, Cni = variant, KubeProxy = "iptables", Workload = "rr",
            Node = "node1", Stage = stage, NanosecondsPerRequest = ns, NanosecondsPerByte = ns / 128,
        };
        return new ResultSet
        {
            Scenario = "weave-modes",
            Baseline = "weave",
            Summary =
            [
                Row("weave", "latency", "us", 50, p50: 50), Row("weave", "cpu_per_request", "us", 2.7),
                Row("weave-sleeve", "latency", "us", 68, p50: 68), Row("weave-sleeve", "cpu_per_request", "us", 4.6),
            ],
            Cpu =
            [
                Cpu("weave", "Syscall", 1000), Cpu("weave", "VxlanEncapsulate", 1700),
                Cpu("weave-sleeve", "Syscall", 1000), Cpu("weave-sleeve", "ContextSwitch", 3000),
                Cpu("weave-sleeve", "SleeveEncapsulate", 300), Cpu("weave-sleeve", "SleeveDecapsulate", 300),
            ],
            Cdfs = [],
        };
    }
}

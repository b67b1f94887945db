using NetPerf.Calibration.Fit;
using NetPerf.Calibration.Paths;

namespace NetPerf.Calibration.Tests;

/// <summary>
/// A second machine of the same kind, stored (tools/kernel-costs/calibration-6.18.44-fc-v1252: a 2-vCPU AMD EPYC VM,
/// 3 December, 5 quiet rounds of 10,000), whose loopback round trip is 16.1 us against the stored run's 10.1: its
/// system calls cost far more, its hops no more. Refitted once for the tests that read it.
/// </summary>
public sealed class SecondMachineRefit
{
    public static string StoredRun => Path.Combine(AppContext.BaseDirectory, "StoredRunV1252", "measurements.csv");

    public CalibrationOutcome Outcome { get; } = new Calibrator(new CalibrationOptions { TcpInternalPacing = true }, TextWriter.Null)
        .Refit(StoredRunRefit.Plugins, StoredRun);
}

public class SecondMachineRefitTests(SecondMachineRefit refit) : IClassFixture<SecondMachineRefit>
{
    [Fact]
    public void A_machine_with_dearer_system_calls_is_fitted_as_such_and_not_as_dearer_hops()
    {
        var factors = refit.Outcome.Fit.Factors.ToDictionary(f => f.Group.Name, f => f.Factor);

        // Loopback is a system call, a socket and a device crossing at each end; a veth pair replaces the crossing.
        // Here loopback is 1.6 times the stored run's and a veth pair adds 1.0 us to it (1.1 there): the work at the
        // ends costs more, the crossings less than the namespace table. One group for both (before 3 December) put
        // x1.42 on every hop and held eight other groups at a bound; held-out paths came out up to 41% high.
        Assert.True(factors["socket"] > 1.5, $"socket x{factors["socket"]:F2}");
        Assert.True(factors["link"] < 0.8, $"link x{factors["link"]:F2}");
        Assert.False(refit.Outcome.Fit.Factors.Single(f => f.Group.Name == "socket").AtBound);
        Assert.False(refit.Outcome.Fit.Factors.Single(f => f.Group.Name == "link").AtBound);
        foreach (var r in refit.Outcome.Rows.Where(r => r.Role == PathRole.Fit && r.Metric == "p50_us" && !r.Path.Contains("tcp-crr", StringComparison.Ordinal)))
        {
            Assert.True(Math.Abs(r.Error) <= 0.05, $"fit path {r.Path}: p50 {r.Error:P1}");
        }
    }

    [Fact]
    public void Its_held_out_paths_are_predicted_as_issue_07_asks_on_the_typical_path_and_within_a_quarter_on_each()
    {
        // node-port is the widest (+23%: the model's NAT and second bridge crossing cost 5.1 us over pod-cross-node,
        // the kernel's 1.2; docs/calibration.md), cluster-ip next (+13%).
        var heldOut = refit.Outcome.Rows.Where(r => r.Role == PathRole.HeldOut && r.Metric == "p50_us").ToList();
        Assert.Equal(12, heldOut.Count);
        Assert.All(heldOut, r => Assert.True(Math.Abs(r.Error) <= 0.25, $"{r.Path}: p50 {r.Error:P1}"));
        var sizes = heldOut.Where(r => !r.Path.Contains("tcp-crr", StringComparison.Ordinal)).Select(r => Math.Abs(r.Error)).Order().ToList();
        double median = (sizes[(sizes.Count / 2) - 1] + sizes[sizes.Count / 2]) / 2;
        Assert.True(median <= 0.10, $"median held-out p50 error {median:P1}");

        // VXLAN's cost over host-gw across nodes, issue 07's ratio (measured 1.17 here): within 0.10.
        var ratio = refit.Outcome.Ratios.Single();
        Assert.InRange(ratio.Predicted - ratio.Measured, -0.10, 0.10);
    }
}

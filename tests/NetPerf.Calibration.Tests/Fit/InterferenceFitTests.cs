using NetPerf.Calibration.Fit;

namespace NetPerf.Calibration.Tests.Fit;

/// <summary>The interruption classes fitted to a path's spread.</summary>
public class InterferenceFitTests
{
    [Fact]
    public void A_path_with_no_spread_gets_no_interference()
    {
        var r = InterferenceFit.Fit(kernelNs: 10_000, userNs: 500, p50Ns: 10_500, p90Ns: 10_500, p99Ns: 10_500, p999Ns: 10_500, meanNs: 10_500, samples: 4000);
        Assert.InRange(r.ModelP99Ns, 10_500, 10_500 * 1.01);
        Assert.InRange(r.ModelMeanNs, 10_500, 10_500 * 1.01);
    }

    [Fact]
    public void The_fitted_classes_reproduce_a_measured_tail()
    {
        // Loopback on this project's machine (calibrate, 2026-12-02): p50 10.44, p90 11.1, p99 12.3, p99.9 39, mean 10.9 us.
        var r = InterferenceFit.Fit(kernelNs: 9_800, userNs: 640, p50Ns: 10_440, p90Ns: 11_100, p99Ns: 12_300, p999Ns: 39_000, meanNs: 10_900, samples: 8000);
        Assert.InRange(r.ModelP50Ns / 10_440, 0.97, 1.03);
        Assert.InRange(r.ModelP99Ns / 12_300, 0.9, 1.1);
        Assert.InRange(r.ModelP999Ns / 39_000, 0.75, 1.25);
        Assert.True(r.RareMeanNs > r.MeanNs, "the rare class is the long one: it makes p99.9");
    }
}

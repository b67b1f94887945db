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

/// <summary>Rate against length of the rare interruptions: told apart by paths of several lengths, not by one.</summary>
public class JointInterferenceFitTests
{
    /// <summary>Percentiles of S + U + Poisson(rate over S) exponential interruptions, drawn independently of the fit's own random numbers.</summary>
    private static InterferenceFit.Tail Measure(string name, double kernelNs, double ratePerMs, double meanNs, int seed)
    {
        var rng = new Random(seed);
        var x = new double[40_000];
        for (int i = 0; i < x.Length; i++)
        {
            double extra = 0, t = -Math.Log(1 - rng.NextDouble()) / (ratePerMs / 1e6);
            while (t < kernelNs)
            {
                extra += -Math.Log(1 - rng.NextDouble()) * meanNs;
                t += -Math.Log(1 - rng.NextDouble()) / (ratePerMs / 1e6);
            }

            x[i] = kernelNs + 500 + extra;
        }

        var sorted = x.Order().ToArray();
        return new InterferenceFit.Tail(name, kernelNs, 500, sorted[20_000], sorted[36_000], sorted[39_600], sorted[39_960], x.Average());
    }

    [Fact]
    public void Paths_of_several_lengths_recover_the_rate_and_length_and_predict_a_longer_path()
    {
        // Interruptions as this machine's fit found them (about 0.5 per busy ms of about 16 us): the single-hop paths span 10-25 us.
        const double rate = 0.5, mean = 16_000;
        var paths = new[] { 10_000.0, 12_000, 14_000, 17_000, 21_000, 25_000 }
            .Select((s, i) => Measure($"path {s / 1000} us", s, rate, mean, seed: 100 + i)).ToList();
        var fit = InterferenceFit.Fit(paths, samples: 20_000);

        Assert.InRange(fit.RareRatePerMs, rate / 1.6, rate * 1.6);
        Assert.InRange(fit.RareMeanNs, mean / 1.6, mean * 1.6);

        // A 35 us path the fit never saw: its p99 is where interruptions decide it (0.5/ms x 35 us = 1.75 % hit).
        var longer = Measure("held out", 35_000, rate, mean, seed: 7);
        Assert.InRange(Predict(35_000, 500, fit) / longer.P99Ns, 0.9, 1.1);
        Assert.All(fit.Paths, t => Assert.InRange(t.ModelP99Ns / t.MeasuredP99Ns, 0.9, 1.1));
    }

    /// <summary>The p99 of a path of <paramref name="kernelNs"/> under fitted classes, by the same process as the simulator's.</summary>
    private static double Predict(double kernelNs, double userNs, InterferenceFit.Result r)
    {
        var rng = new Random(99);
        var x = new double[40_000];
        for (int i = 0; i < x.Length; i++)
        {
            x[i] = kernelNs + userNs + Draw(rng, r.RatePerMs, r.MeanNs, kernelNs) + Draw(rng, r.RareRatePerMs, r.RareMeanNs, kernelNs);
        }

        return x.Order().ElementAt(39_600);
    }

    private static double Draw(Random rng, double perMs, double meanNs, double workNs)
    {
        double extra = 0, t = -Math.Log(1 - rng.NextDouble()) / (perMs / 1e6);
        while (perMs > 0 && t < workNs)
        {
            extra += -Math.Log(1 - rng.NextDouble()) * meanNs;
            t += -Math.Log(1 - rng.NextDouble()) / (perMs / 1e6);
        }

        return extra;
    }
}

/// <summary>
/// A measured median holds the interruptions its transaction met; a simulation draws them on top of the stages. So
/// the fit takes from each median what the fitted interruptions add to it, and the simulator must add back that much.
/// </summary>
public class MedianDelayTests
{
    [Fact]
    public void What_the_fit_takes_from_a_median_is_what_the_simulator_adds_to_it()
    {
        // The kind profile's stages with the v857 machine's fitted interruptions (108 per busy ms of 0.8 us): at the
        // shipped v1252 rate (7.4 of 7.9 us) fewer than half of all transactions meet one, so a median holds none.
        var table = Network.Cpu.CostTable.Profile("kind").Clone();
        table.InterferencePerMillisecond = 107.978;
        table[Network.Cpu.KernelStage.Interference] = Network.Cpu.StageCost.Nanoseconds(794.3);
        table.PreemptionPerMillisecond = 0.562;
        table[Network.Cpu.KernelStage.Preemption] = Network.Cpu.StageCost.Nanoseconds(19952.6);
        var quiet = table.Clone();
        quiet.InterferencePerMillisecond = quiet.PreemptionPerMillisecond = 0;
        var duration = Engine.Time.SimTime.FromMilliseconds(50);
        var interrupted = NetPerf.Calibration.Paths.TestbedTcpModel.Run(NetPerf.Calibration.Paths.Testbed.Routed, NetPerf.Calibration.Probe.ProbeKind.TcpRr, table, 64, 600, duration, seed: 1, Network.Netfilter.IptablesBackend.Nft);
        var plain = NetPerf.Calibration.Paths.TestbedTcpModel.Run(NetPerf.Calibration.Paths.Testbed.Routed, NetPerf.Calibration.Probe.ProbeKind.TcpRr, quiet, 64, 600, duration, seed: 1, Network.Netfilter.IptablesBackend.Nft);
        var fitted = new InterferenceFit.Result(table.InterferencePerMillisecond, table[Network.Cpu.KernelStage.Interference].FixedPicoseconds / 1000.0,
            table.PreemptionPerMillisecond, table[Network.Cpu.KernelStage.Preemption].FixedPicoseconds / 1000.0, 0, 0, 0, 0);

        // About one short interruption (0.8 us) falls in a median 15 us transaction at the kind profile's rate.
        double expected = InterferenceFit.MedianDelayNs(fitted, plain.KernelCpuNs, 600);
        Assert.InRange(expected, 300, 2000);
        Assert.InRange(interrupted.P50Ns - plain.P50Ns, expected * 0.8, expected * 1.2);
    }

    [Fact]
    public void Without_interruptions_a_median_holds_none()
    {
        var none = new InterferenceFit.Result(0, 0, 0, 0, 0, 0, 0, 0);
        Assert.Equal(0, InterferenceFit.MedianDelayNs(none, 12_000, 600));
    }
}

using NetPerf.Engine.Random;
using NetPerf.Engine.Statistics;

namespace NetPerf.Engine.Tests.Statistics;

public class ConfidenceIntervalTests
{
    [Fact]
    public void Ten_replications_use_the_Student_t_quantile_2_262()
    {
        // Values 1..10: mean 5.5, sample sd 3.0277; t(0.975, 9) = 2.2622 from tables.
        var ci = ConfidenceInterval.FromIndependent(Enumerable.Range(1, 10).Select(i => (double)i).ToArray());
        Assert.Equal(5.5, ci.Mean, 12);
        Assert.Equal(2.2622 * 3.02765 / Math.Sqrt(10), ci.HalfWidth, 3);
    }

    [Fact]
    public void Ninety_five_percent_intervals_cover_the_true_mean_about_95_percent_of_the_time()
    {
        var rng = new RngStreams(11).Create("coverage");
        int covered = 0;
        const int trials = 2000;
        for (int trial = 0; trial < trials; trial++)
        {
            var values = Enumerable.Range(0, 10).Select(_ => MathNet.Numerics.Distributions.Normal.Sample(rng, 3, 2)).ToArray();
            if (ConfidenceInterval.FromIndependent(values).Contains(3))
            {
                covered++;
            }
        }

        // Binomial(2000, 0.95) has sd 9.7 trials: allow 4 sd.
        Assert.InRange(covered, 1900 - 39, 1900 + 39);
    }

    [Fact]
    public void Batch_means_keep_between_32_and_64_batches_however_long_the_run()
    {
        var rng = new RngStreams(2).Create("batches");
        var bm = new BatchMeans(32);
        for (int i = 0; i < 1_000_003; i++)
        {
            bm.Add(MathNet.Numerics.Distributions.Exponential.Sample(rng, 1.0));
        }

        Assert.InRange(bm.FullBatches, 32, 63);
        var ci = bm.Interval();
        Assert.True(ci.Contains(1.0), ci.ToString());
    }

    [Fact]
    public void Batch_means_refuse_an_interval_from_too_few_batches()
    {
        var bm = new BatchMeans(32);
        for (int i = 0; i < 10; i++)
        {
            bm.Add(i);
        }

        Assert.Contains("run longer", Assert.Throws<InvalidOperationException>(() => bm.Interval()).Message);
    }
}

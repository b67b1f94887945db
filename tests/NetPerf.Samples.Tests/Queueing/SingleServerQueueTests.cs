using System.Collections.Concurrent;
using NetPerf.Engine.Time;
using NetPerf.Samples.Queueing;
using Xunit.Abstractions;

namespace NetPerf.Samples.Tests.Queueing;

/// <summary>
/// The engine against queueing theory: an M/M/1 and an M/D/1 queue at utilisation 0.5 and 0.9 must give the
/// Pollaczek-Khinchine mean wait in queue, Little's law and (for M/M/1) the exponential sojourn-time quantiles.
/// Run lengths are chosen so that the 95% interval's half-width is below 2%, so the 2% check has teeth.
/// </summary>
public class SingleServerQueueTests(ITestOutputHelper output)
{
    private static readonly ConcurrentDictionary<(ServiceDistribution, double), Lazy<QueueReport>> Runs = new();

    private static QueueReport Run(ServiceDistribution service, double rho) =>
        Runs.GetOrAdd((service, rho), key => new Lazy<QueueReport>(() =>
        {
            // Relative variance of the mean wait grows like 1 / (1 - rho)^2 (Whitt 1989), hence 5x the customers at 0.9.
            long customers = key.Item2 >= 0.8 ? 20_000_000 : 4_000_000;
            var p = new QueueParameters(key.Item2, SimTime.FromMicroseconds(1), key.Item1, customers, customers / 20, Seed: 2026);
            return new SingleServerQueue(p).Run();
        })).Value;

    [Theory]
    [InlineData(ServiceDistribution.Exponential, 0.5)]
    [InlineData(ServiceDistribution.Exponential, 0.9)]
    [InlineData(ServiceDistribution.Deterministic, 0.5)]
    [InlineData(ServiceDistribution.Deterministic, 0.9)]
    public void Mean_wait_in_queue_is_within_2_percent_of_Pollaczek_Khinchine(ServiceDistribution service, double rho)
    {
        var r = Run(service, rho);
        output.WriteLine(r.ToText());

        // M/M/1: Wq = rho / (mu - lambda); M/D/1: Wq = rho / (2 mu (1 - rho)). Mean service 1 us.
        double expectedUs = service == ServiceDistribution.Exponential ? rho / (1 - rho) : rho / (2 * (1 - rho));
        Assert.Equal(expectedUs, r.AnalyticWaitInQueueSeconds * 1e6, 9);
        Assert.True(r.WaitInQueueSeconds.RelativeHalfWidth < 0.02, $"interval too wide to check 2%: {r.WaitInQueueSeconds}");
        Assert.True(Math.Abs(r.RelativeError) < 0.02, $"Wq {r.WaitInQueueSeconds} vs P-K {r.AnalyticWaitInQueueSeconds}");
    }

    [Theory]
    [InlineData(ServiceDistribution.Exponential, 0.9)]
    [InlineData(ServiceDistribution.Deterministic, 0.5)]
    public void Little_law_holds_between_the_time_average_queue_and_the_mean_wait(ServiceDistribution service, double rho)
    {
        // Lq is integrated over time and Wq averaged over customers: two independent measurements.
        var r = Run(service, rho);
        Assert.InRange(r.LittleRatio, 0.995, 1.005);
        Assert.InRange(r.MeasuredUtilisation, rho * 0.99, rho * 1.01);
    }

    [Fact]
    public void MM1_sojourn_time_is_exponential_with_rate_mu_minus_lambda()
    {
        // At rho 0.9 and mu = 1/us the sojourn time is Exp(0.1/us): quantile q is -ln(1 - q) x 10 us.
        var r = Run(ServiceDistribution.Exponential, 0.9);
        Assert.InRange(r.SojournP50.TotalMicroseconds, Math.Log(2) * 10 * 0.98, Math.Log(2) * 10 * 1.02);
        Assert.InRange(r.SojournP99.TotalMicroseconds, Math.Log(100) * 10 * 0.98, Math.Log(100) * 10 * 1.02);
    }

    [Fact]
    public void In_M_D_1_a_fraction_1_minus_rho_of_customers_never_wait_so_the_40th_percentile_sojourn_is_one_service_time()
    {
        // At rho 0.5 half of all arrivals find the server idle (PASTA) and leave after exactly 1 us; the next
        // customer up waits at least a little, so p40 is 1 us and p60 is above it.
        var r = Run(ServiceDistribution.Deterministic, 0.5);
        Assert.InRange(r.SojournP40.TotalMicroseconds, 1.0, 1.001);
        Assert.True(r.SojournP60.TotalMicroseconds > 1.01, r.SojournP60.ToString());
    }

    [Fact]
    public void The_same_seed_gives_the_same_report_and_another_seed_a_different_one()
    {
        static string Once(ulong seed) => new SingleServerQueue(
            new QueueParameters(0.8, SimTime.FromMicroseconds(1), ServiceDistribution.Exponential, 50_000, 1_000, seed)).Run().ToText();

        Assert.Equal(Once(7), Once(7));
        Assert.NotEqual(Once(7), Once(8));
    }

    [Fact]
    public void An_unstable_queue_is_refused()
    {
        var p = new QueueParameters(1.0, SimTime.FromMicroseconds(1), ServiceDistribution.Exponential, 10_000, 0, 1);
        Assert.Throws<ArgumentOutOfRangeException>(() => new SingleServerQueue(p));
    }
}

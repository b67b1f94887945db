using NetPerf.Engine.Time;
using NetPerf.Samples.Exchange;

namespace NetPerf.Samples.Tests.Exchange;

/// <summary>
/// A partitioned run is the sequential run, event for event: the same CSV byte for byte on 1, 2 and 4 threads,
/// on a traffic matrix where most hops cross partitions and many events share an instant.
/// </summary>
public class MessageExchangeTests
{
    private static readonly ExchangeParameters Matrix = new(Nodes: 48, Hops: 8, LocalShare: 0.3, Seed: 20261202);
    private static readonly SimTime Horizon = SimTime.FromMicroseconds(400);

    [Fact]
    public void The_partitioned_run_writes_the_sequential_runs_csv_byte_for_byte_on_1_2_and_4_threads()
    {
        var sequential = new MessageExchange(Matrix, partitions: 0);
        sequential.RunUntil(Horizon);
        string expected = sequential.Csv();
        Assert.True(sequential.ExecutedEvents > 50_000, $"only {sequential.ExecutedEvents} events");

        foreach (int threads in new[] { 1, 2, 4 })
        {
            var run = new MessageExchange(Matrix, threads);
            run.RunUntil(Horizon);
            Assert.Equal(sequential.ExecutedEvents, run.ExecutedEvents);
            Assert.True(expected == run.Csv(), $"{threads} threads: the CSV differs from the sequential run's");
        }
    }

    [Fact]
    public void Most_hops_cross_partitions_and_many_events_share_an_instant()
    {
        // The identity above is a statement about a hard case, not disjoint pairs: check that it is one.
        var run = new MessageExchange(Matrix, 4);
        run.RunUntil(Horizon);
        var sim = run.Partitioned!;
        double crossShare = (double)sim.CrossPartitionEvents / run.HopsAcrossLinks;
        // Uniform destinations over 47 other nodes, 36 of them in other partitions of 12: 36/47 = 0.766.
        Assert.InRange(crossShare, 0.74, 0.79);
        Assert.Equal(SimTime.FromMicroseconds(2), sim.Lookahead);

        // Events that share their instant with another event, where only the tie order decides which runs first.
        var byInstant = run.Csv().Split('\n').Skip(1).Where(l => l.Length > 0).GroupBy(l => l.Split(',')[2]).ToList();
        long events = byInstant.Sum(g => (long)g.Count());
        long tied = byInstant.Where(g => g.Count() > 1).Sum(g => (long)g.Count());
        Assert.True(tied > events / 2, $"{tied} of {events} events share an instant: too few ties to test the order");
    }

    [Fact]
    public void A_run_split_in_two_horizons_is_the_run_in_one()
    {
        var once = new MessageExchange(Matrix, 2);
        once.RunUntil(Horizon);
        var twice = new MessageExchange(Matrix, 2);
        twice.RunUntil(SimTime.FromMicroseconds(123));
        twice.RunUntil(Horizon);
        Assert.Equal(once.Csv(), twice.Csv());
    }
}

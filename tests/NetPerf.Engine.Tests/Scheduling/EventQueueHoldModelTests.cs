using MathNet.Numerics.Distributions;
using NetPerf.Engine.Random;
using NetPerf.Engine.Scheduling;

namespace NetPerf.Engine.Tests.Scheduling;

/// <summary>Large, long runs: many chunks per bucket, many power-of-two boundaries crossed by the clock.</summary>
public class EventQueueHoldModelTests
{
    private sealed class Tag : IEventHandler
    {
        public static readonly Tag Instance = new();

        public void OnEvent(int kind, long arg)
        {
        }
    }

    [Fact]
    public void A_hold_model_with_timeouts_runs_in_exactly_the_order_of_a_sorted_oracle()
    {
        // 50,000 pending, 1,000,000 events; each also schedules a timeout and cancels one from 64 events ago.
        var rng = new RngStreams(99).Create("hold");
        var queue = new EventQueue();
        var oracle = new PriorityQueue<long, (long Time, long Order)>();
        var cancelled = new HashSet<long>();
        var timeouts = new (EventHandle Handle, long Order)[64];
        long order = 0;

        void Schedule(long at)
        {
            queue.Enqueue(at, new Event(Tag.Instance, 0, order));
            oracle.Enqueue(order, (at, order));
            order++;
        }

        for (int i = 0; i < 50_000; i++)
        {
            Schedule((long)Exponential.Sample(rng, 1e-5));
        }

        for (int i = 0; i < 1_000_000; i++)
        {
            long expectedOrder, expectedTime;
            do
            {
                oracle.TryDequeue(out expectedOrder, out var key);
                expectedTime = key.Time;
            }
            while (cancelled.Remove(expectedOrder));

            Assert.True(queue.TryDequeue(long.MaxValue, out long t, out Event ev));
            if (t != expectedTime || ev.Arg != expectedOrder)
            {
                Assert.Fail($"event {i}: got ({t}, {ev.Arg}), expected ({expectedTime}, {expectedOrder})");
            }

            Schedule(t + (long)Exponential.Sample(rng, 1e-5));
            ref var timeout = ref timeouts[i % 64];
            if (queue.Cancel(timeout.Handle))
            {
                cancelled.Add(timeout.Order);
            }

            timeout = (queue.Enqueue(t + 1_000_000_000, new Event(Tag.Instance, 1, order)), order);
            oracle.Enqueue(order, (t + 1_000_000_000, order));
            order++;
        }

        Assert.Equal(50_064, queue.Count);
    }

    [Fact]
    public void Storage_stays_near_the_population_however_many_power_of_two_boundaries_the_clock_crosses()
    {
        // Each boundary crossed sends nearly every pending entry into one high bucket. With an array per
        // bucket, every such bucket would keep the whole population's capacity; with pooled chunks, the pool
        // holds the population plus one partial chunk per bucket, rounded up to a power of two.
        const int population = 50_000;
        var rng = new RngStreams(5).Create("hold");
        var queue = new EventQueue();
        var ev = new Event(Tag.Instance, 0, 0);
        for (int i = 0; i < population; i++)
        {
            queue.Enqueue((long)Exponential.Sample(rng, 1e-9), ev);
        }

        long t = 0;
        for (int i = 0; i < 2_000_000; i++)
        {
            queue.TryDequeue(long.MaxValue, out t, out _);
            queue.Enqueue(t + (long)Exponential.Sample(rng, 1e-9), ev);
        }

        Assert.True(t > 1L << 35, $"the clock reached only {t} ps");
        const int chunk = 64, buckets = 512;
        Assert.True(
            queue.PoolCapacity <= 2 * (population + (buckets * chunk)),
            $"pool of {queue.PoolCapacity} entries for {population} pending");
    }
}

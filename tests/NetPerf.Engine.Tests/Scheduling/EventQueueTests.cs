using CsCheck;
using NetPerf.Engine.Scheduling;

namespace NetPerf.Engine.Tests.Scheduling;

public class EventQueueTests
{
    private sealed class Tag : IEventHandler
    {
        public static readonly Tag Instance = new();

        public void OnEvent(int kind, long arg)
        {
        }
    }

    /// <summary>
    /// Random interleavings of schedule, cancel and "run until" against an oracle that sorts by (time,
    /// insertion order): the queue must hand out exactly the oracle's sequence. Times are drawn so that ties are
    /// common, and a "run until" horizon that stops short of the next event is followed by insertions before
    /// that event, as happens at the end of a RunUntil.
    /// </summary>
    [Fact]
    public void Drains_random_schedules_with_cancellations_in_time_then_insertion_order()
    {
        var op = Gen.Select(Gen.Int[0, 9], Gen.Long[0, 1 << 20], Gen.Int[0, int.MaxValue]);
        op.Array[1, 600].Sample(ops =>
        {
            var queue = new EventQueue();
            var oracle = new SortedSet<(long Time, long Order)>();
            var handles = new List<(EventHandle Handle, long Time, long Order)>();
            long now = 0;
            long order = 0;
            foreach (var (kind, raw, pick) in ops)
            {
                // Delays: a third zero (ties with now), most small (ties among themselves), a few large.
                long delay = raw % 3 == 0 ? 0 : raw % 7 == 0 ? raw * 1_000_000 : raw % 16;
                if (kind <= 4)
                {
                    long at = now + delay;
                    var h = queue.Enqueue(at, new Event(Tag.Instance, 0, order));
                    oracle.Add((at, order));
                    handles.Add((h, at, order));
                    order++;
                }
                else if (kind <= 6)
                {
                    if (handles.Count == 0)
                    {
                        continue;
                    }

                    // Half the time cancel the current minimum, which may already have surfaced.
                    var (h, at, o) = pick % 2 == 0 && oracle.Count > 0
                        ? handles.Find(x => (x.Time, x.Order) == oracle.Min)
                        : handles[pick % handles.Count];
                    Assert.Equal(oracle.Remove((at, o)), queue.Cancel(h));
                }
                else if (kind == 7 && pick % 4 == 0)
                {
                    // A peek surfaces the minimum; later insertions before it force a rebase.
                    Assert.Equal(oracle.Count > 0, queue.TryPeekTime(out long peeked));
                    if (oracle.Count > 0)
                    {
                        Assert.Equal(oracle.Min.Time, peeked);
                    }
                }
                else
                {
                    long until = now + delay;
                    bool expected = oracle.Count > 0 && oracle.Min.Time <= until;
                    Assert.Equal(expected, queue.TryDequeue(until, out long t, out Event ev));
                    if (expected)
                    {
                        var min = oracle.Min;
                        oracle.Remove(min);
                        Assert.Equal(min.Time, t);
                        Assert.Equal(min.Order, ev.Arg);
                        now = t;
                    }
                    else
                    {
                        now = until;
                    }
                }

                Assert.Equal(oracle.Count, queue.Count);
                Assert.True(queue.StoredCount <= 2 * queue.Count, $"{queue.StoredCount} stored for {queue.Count} live");
            }

            while (oracle.Count > 0)
            {
                var min = oracle.Min;
                oracle.Remove(min);
                Assert.True(queue.TryDequeue(long.MaxValue, out long t, out Event ev));
                Assert.Equal((min.Time, min.Order), (t, ev.Arg));
            }

            Assert.False(queue.TryDequeue(long.MaxValue, out _, out _));
        });
    }

    [Fact]
    public void A_handle_cannot_cancel_an_event_that_ran_or_a_later_event_reusing_its_slot()
    {
        var queue = new EventQueue();
        var first = queue.Enqueue(10, new Event(Tag.Instance, 0, 1));
        Assert.True(queue.TryDequeue(long.MaxValue, out _, out _));
        var second = queue.Enqueue(20, new Event(Tag.Instance, 0, 2));
        Assert.Equal(first.Slot, second.Slot); // storage is recycled...
        Assert.False(queue.Cancel(first));      // ...but the old handle is dead
        Assert.True(queue.IsPending(second));
        Assert.True(queue.Cancel(second));
        Assert.False(queue.Cancel(second));
        Assert.False(queue.Cancel(default));
    }

    [Fact]
    public void A_handle_from_before_a_clear_can_neither_cancel_nor_see_an_event_scheduled_after_it()
    {
        var queue = new EventQueue();
        var before = queue.Enqueue(10, new Event(Tag.Instance, 0, 1));
        queue.Clear();
        var after = queue.Enqueue(5, new Event(Tag.Instance, 0, 2));
        Assert.Equal(before.Slot, after.Slot);
        Assert.False(queue.IsPending(before));
        Assert.False(queue.Cancel(before));
        Assert.True(queue.TryDequeue(long.MaxValue, out long t, out Event ev));
        Assert.Equal((5L, 2L), (t, ev.Arg));
    }

    [Fact]
    public void A_run_that_stops_at_a_horizon_lets_the_next_events_go_before_the_pending_one_without_a_rebuild()
    {
        var queue = new EventQueue();
        queue.Enqueue(1_000, new Event(Tag.Instance, 0, 1));
        Assert.False(queue.TryDequeue(500, out _, out _));
        queue.Enqueue(600, new Event(Tag.Instance, 0, 2));
        Assert.True(queue.TryDequeue(long.MaxValue, out long t, out _));
        Assert.Equal(600, t);
        Assert.Equal(0, queue.Rebases);
    }

    [Fact]
    public void A_small_queue_keeps_a_small_pool()
    {
        // The pool holds the population plus at most one resident chunk per bucket touched.
        var queue = new EventQueue();
        for (int i = 0; i < 10_000; i++)
        {
            queue.Enqueue(i * 7L, new Event(Tag.Instance, 0, i));
            queue.TryDequeue(long.MaxValue, out _, out _);
        }

        Assert.True(queue.PoolCapacity <= 64 * 64, $"{queue.PoolCapacity} entries pooled for one pending event");
    }

    [Fact]
    public void Cancelling_most_of_a_large_queue_compacts_it_to_the_live_events()
    {
        var queue = new EventQueue();
        var handles = new List<EventHandle>();
        for (int i = 0; i < 10_000; i++)
        {
            handles.Add(queue.Enqueue(i * 1000L, new Event(Tag.Instance, 0, i)));
        }

        for (int i = 0; i < handles.Count; i++)
        {
            if (i % 10 != 0)
            {
                queue.Cancel(handles[i]);
            }

            Assert.True(queue.StoredCount <= 2 * queue.Count);
        }

        Assert.Equal(1_000, queue.Count);
        Assert.True(queue.Compactions > 0);
        for (int i = 0; i < 1_000; i++)
        {
            Assert.True(queue.TryDequeue(long.MaxValue, out long t, out _));
            Assert.Equal(i * 10_000L, t);
        }
    }
}

using NetPerf.Engine.Random;
using NetPerf.Engine.Scheduling;
using NetPerf.Engine.Time;

namespace NetPerf.Engine.Tests.Scheduling;

public class DeadlineTimerTests
{
    private sealed class Expiry(Simulator sim) : IEventHandler
    {
        public List<(SimTime At, long Timer)> Fired { get; } = [];

        public void OnEvent(int kind, long arg) => Fired.Add((sim.Now, arg));
    }

    private sealed class Ack(Action action) : IEventHandler
    {
        public void OnEvent(int kind, long arg) => action();
    }

    [Fact]
    public void A_retransmission_timer_pushed_back_by_every_ack_fires_once_at_the_last_deadline()
    {
        // One ACK every 10 us for 1 ms, each re-arming a 200 ms RTO: the timer must fire 200 ms after the last
        // ACK, and pushing the deadline later must cost no new events.
        var sim = new Simulator();
        var expiry = new Expiry(sim);
        var rto = new DeadlineTimer(sim, expiry, arg: 7);
        var ack = new Ack(() => rto.ArmAfter(SimTime.FromMilliseconds(200)));
        for (int i = 0; i <= 100; i++)
        {
            sim.Schedule(SimTime.FromMicroseconds(10 * i), ack);
        }

        sim.Run();
        Assert.Equal([(SimTime.FromMilliseconds(201), 7L)], expiry.Fired);
        Assert.Equal(2, rto.WakeUpsScheduled); // the first arm, and one sleep again at the first wake-up
        Assert.False(rto.IsArmed);
    }

    [Fact]
    public void Moving_the_deadline_earlier_fires_at_the_earlier_time()
    {
        var sim = new Simulator();
        var expiry = new Expiry(sim);
        var timer = new DeadlineTimer(sim, expiry);
        timer.Arm(SimTime.FromMilliseconds(10));
        timer.Arm(SimTime.FromMilliseconds(3));
        sim.Run();
        Assert.Equal([(SimTime.FromMilliseconds(3), 0L)], expiry.Fired);
    }

    [Fact]
    public void A_disarmed_timer_never_fires_and_does_not_hold_the_clock_open()
    {
        var sim = new Simulator();
        var expiry = new Expiry(sim);
        var timer = new DeadlineTimer(sim, expiry);
        timer.Arm(SimTime.FromSeconds(7200));
        timer.Disarm();
        sim.Run();
        Assert.Empty(expiry.Fired);
        Assert.Equal(SimTime.Zero, sim.Now);
    }

    [Fact]
    public void Under_constant_rearming_and_cancelling_the_queue_never_holds_more_than_twice_the_live_events()
    {
        // 200 timers and a driver that, every 100 ns, re-arms one of them later, earlier, or disarms it.
        var sim = new Simulator();
        var rng = new RngStreams(1).Create("timers");
        var expiry = new Expiry(sim);
        var timers = Enumerable.Range(0, 200).Select(i => new DeadlineTimer(sim, expiry, arg: i)).ToArray();
        long checks = 0;
        var driver = new Ack(() => { });
        driver = new Ack(() =>
        {
            var timer = timers[rng.Next(timers.Length)];
            switch (rng.Next(10))
            {
                case < 6: timer.ArmAfter(SimTime.FromMicroseconds(50 + rng.Next(50))); break;
                case < 9: timer.ArmAfter(SimTime.FromNanoseconds(rng.Next(5_000))); break;
                default: timer.Disarm(); break;
            }

            var q = sim.Queue;
            Assert.True(q.StoredCount <= 2 * q.Count, $"{q.StoredCount} entries stored for {q.Count} live events");
            checks++;
            if (sim.Now < SimTime.FromMilliseconds(20))
            {
                sim.ScheduleAfter(SimTime.FromNanoseconds(100), driver);
            }
        });
        sim.Schedule(SimTime.Zero, driver);
        sim.Run();

        Assert.Equal(200_001, checks);
        Assert.True(sim.Queue.Compactions > 0, "earlier re-arms cancel, so compaction must have run");
        Assert.NotEmpty(expiry.Fired);
    }
}

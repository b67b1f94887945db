using NetPerf.Engine.Scheduling;
using NetPerf.Engine.Time;

namespace NetPerf.Engine.Tests.Scheduling;

public class SimulatorTests
{
    private sealed class Recorder(Simulator sim) : IEventHandler
    {
        public List<(SimTime At, int Kind, long Arg)> Seen { get; } = [];

        public Action<int, long>? Then { get; set; }

        public void OnEvent(int kind, long arg)
        {
            Seen.Add((sim.Now, kind, arg));
            Then?.Invoke(kind, arg);
        }
    }

    [Fact]
    public void Events_at_the_same_time_run_in_the_order_they_were_scheduled()
    {
        var sim = new Simulator();
        var r = new Recorder(sim);
        var t = SimTime.FromMicroseconds(5);
        for (int i = 0; i < 1000; i++)
        {
            sim.Schedule(t, r, arg: i);
        }

        sim.Run();
        Assert.Equal(Enumerable.Range(0, 1000).Select(i => (long)i), r.Seen.Select(s => s.Arg));
        Assert.All(r.Seen, s => Assert.Equal(t, s.At));
    }

    [Fact]
    public void An_event_scheduled_for_now_runs_after_those_already_pending_for_now()
    {
        var sim = new Simulator();
        var r = new Recorder(sim);
        r.Then = (kind, arg) =>
        {
            if (arg == 0)
            {
                sim.ScheduleAfter(SimTime.Zero, r, arg: 99);
            }
        };
        sim.Schedule(SimTime.FromNanoseconds(1), r, arg: 0);
        sim.Schedule(SimTime.FromNanoseconds(1), r, arg: 1);
        sim.Schedule(SimTime.FromNanoseconds(1), r, arg: 2);
        sim.Run();
        Assert.Equal([0L, 1, 2, 99], r.Seen.Select(s => s.Arg));
    }

    [Fact]
    public void RunUntil_runs_events_up_to_and_including_the_horizon_and_leaves_the_clock_there()
    {
        var sim = new Simulator();
        var r = new Recorder(sim);
        sim.Schedule(SimTime.FromNanoseconds(10), r, arg: 1);
        sim.Schedule(SimTime.FromNanoseconds(20), r, arg: 2);
        sim.Schedule(SimTime.FromNanoseconds(30), r, arg: 3);
        sim.RunUntil(SimTime.FromNanoseconds(20));
        Assert.Equal([1L, 2], r.Seen.Select(s => s.Arg));
        Assert.Equal(SimTime.FromNanoseconds(20), sim.Now);

        sim.RunUntil(SimTime.FromNanoseconds(25));
        Assert.Equal(SimTime.FromNanoseconds(25), sim.Now);

        // An event placed before the one that stopped the last run still comes first.
        sim.Schedule(SimTime.FromNanoseconds(26), r, arg: 4);
        sim.Run();
        Assert.Equal([1L, 2, 4, 3], r.Seen.Select(s => s.Arg));
        Assert.Equal(SimTime.FromNanoseconds(30), sim.Now);
    }

    [Fact]
    public void Stop_ends_the_run_after_the_current_event_and_a_later_run_resumes()
    {
        var sim = new Simulator();
        var r = new Recorder(sim);
        r.Then = (_, arg) =>
        {
            if (arg == 2)
            {
                sim.Stop();
            }
        };
        for (int i = 1; i <= 4; i++)
        {
            sim.Schedule(SimTime.FromNanoseconds(i), r, arg: i);
        }

        sim.Run();
        Assert.Equal(2, r.Seen.Count);
        Assert.Equal(2, sim.PendingEvents);
        sim.Run();
        Assert.Equal(4, r.Seen.Count);
        Assert.Equal(4, sim.ExecutedEvents);
    }

    [Fact]
    public void A_cancelled_event_never_runs()
    {
        var sim = new Simulator();
        var r = new Recorder(sim);
        var h = sim.Schedule(SimTime.FromNanoseconds(5), r, arg: 1);
        sim.Schedule(SimTime.FromNanoseconds(6), r, arg: 2);
        Assert.True(sim.Cancel(h));
        sim.Run();
        Assert.Equal([2L], r.Seen.Select(s => s.Arg));
    }

    [Fact]
    public void Scheduling_in_the_past_or_with_a_negative_delay_is_refused()
    {
        var sim = new Simulator();
        var r = new Recorder(sim);
        sim.RunUntil(SimTime.FromMicroseconds(1));
        Assert.Throws<ArgumentOutOfRangeException>(() => sim.Schedule(SimTime.FromNanoseconds(999), r));
        Assert.Throws<ArgumentOutOfRangeException>(() => sim.ScheduleAfter(SimTime.FromNanoseconds(-1), r));
        Assert.Throws<OverflowException>(() => sim.ScheduleAfter(SimTime.MaxValue, r));
        Assert.Throws<ArgumentOutOfRangeException>(() => sim.RunUntil(SimTime.Zero));
    }

    [Fact]
    public void A_run_cannot_be_nested_inside_an_event()
    {
        var sim = new Simulator();
        var r = new Recorder(sim);
        r.Then = (_, _) => sim.Run();
        sim.Schedule(SimTime.Zero, r);
        Assert.Throws<InvalidOperationException>(() => sim.Run());
    }
}

using NetPerf.Engine.Scheduling;
using NetPerf.Engine.Time;

namespace NetPerf.Engine.Tests.Scheduling;

/// <summary>A loop that never advances time is stopped saying so, and a cancellation stops any loop.</summary>
public sealed class SimulatorWatchdogTests
{
    /// <summary>Schedules itself again at once, forever: the shape of a zero-cost, zero-delay packet loop.</summary>
    private sealed class Ping(Simulator sim, SimTime step) : IEventHandler
    {
        public void OnEvent(int kind, long arg) => sim.ScheduleAfter(step, this);
    }

    [Fact]
    public void Events_that_never_advance_time_stop_the_run_with_an_error_saying_where()
    {
        var sim = new Simulator { StuckLimit = 100_000 };
        sim.Schedule(SimTime.FromMicroseconds(3), new Ping(sim, SimTime.Zero));

        var e = Assert.Throws<SimulationStuckException>(() => sim.Run());

        Assert.Equal(SimTime.FromMicroseconds(3), e.At);
        Assert.Equal(nameof(Ping), e.Handler);
        Assert.Contains("simulated time has not advanced", e.Message);
        Assert.InRange(sim.ExecutedEvents, 100_000, 100_001);
    }

    [Fact]
    public void Many_events_that_do_advance_time_never_trip_the_watchdog()
    {
        var sim = new Simulator { StuckLimit = 1_000 };
        sim.Schedule(SimTime.Zero, new Ping(sim, new SimTime(1)));

        sim.RunUntil(new SimTime(50_000));

        Assert.Equal(50_001, sim.ExecutedEvents);
    }

    [Fact]
    public void The_default_limit_is_ten_million_events_at_one_instant()
    {
        Assert.Equal(10_000_000, new Simulator().StuckLimit);
    }

    [Fact]
    public void A_cancelled_token_stops_a_loop_that_would_never_end_within_one_poll_interval()
    {
        using var cancel = new CancellationTokenSource();
        cancel.Cancel();
        var sim = new Simulator { Cancellation = cancel.Token, StuckLimit = long.MaxValue };
        sim.Schedule(SimTime.Zero, new Ping(sim, SimTime.Zero));

        var e = Assert.Throws<OperationCanceledException>(() => sim.Run());

        Assert.Equal(cancel.Token, e.CancellationToken);
        Assert.Equal(Simulator.CancellationPollInterval, sim.ExecutedEvents);
    }
}

using NetPerf.Engine.Scheduling;
using NetPerf.Engine.Time;

namespace NetPerf.Engine.Tests.Scheduling;

/// <summary>
/// Events at one instant run in (depth, scheduling entity, that entity's own sequence): an order that depends
/// on what each entity did, never on which entity happened to schedule first overall.
/// </summary>
public class SimulatorTieOrderTests
{
    private sealed class Recorder(Simulator sim) : IEventHandler
    {
        public List<(long At, int Entity, long Arg)> Seen { get; } = [];

        public Action<int, long>? Then { get; set; }

        public void OnEvent(int kind, long arg)
        {
            Seen.Add((sim.Now.Picoseconds, sim.Entity, arg));
            Then?.Invoke(kind, arg);
        }
    }

    [Fact]
    public void At_one_instant_the_lower_scheduling_entity_runs_first_whatever_the_order_of_scheduling()
    {
        // Entities 3 and 1 each schedule, from their own events at 1 ns, an event for 5 ns. Entity 3's event runs
        // first (it is scheduled first), yet entity 1's 5 ns event runs before entity 3's.
        var sim = new Simulator();
        var r = new Recorder(sim);
        r.Then = (kind, arg) =>
        {
            if (kind == 0)
            {
                sim.Schedule(SimTime.FromNanoseconds(5), r, kind: 1, arg: sim.Entity * 10);
            }
        };
        sim.ScheduleOn(3, SimTime.FromNanoseconds(1), r, arg: 3);
        sim.ScheduleOn(1, SimTime.FromNanoseconds(1), r, arg: 1);
        sim.Run();
        Assert.Equal([3L, 1, 10, 30], r.Seen.Select(s => s.Arg));
    }

    [Fact]
    public void An_entitys_own_events_at_one_instant_run_in_the_order_it_scheduled_them()
    {
        var sim = new Simulator();
        var r = new Recorder(sim);
        r.Then = (kind, arg) =>
        {
            if (kind == 0)
            {
                for (int i = 0; i < 100; i++)
                {
                    sim.Schedule(SimTime.FromNanoseconds(7), r, kind: 1, arg: i);
                }
            }
        };
        sim.ScheduleOn(2, SimTime.FromNanoseconds(1), r);
        sim.Run();
        Assert.Equal(Enumerable.Range(0, 100).Select(i => (long)i), r.Seen.Skip(1).Select(s => s.Arg));
        Assert.All(r.Seen, s => Assert.Equal(2, s.Entity)); // what an entity schedules runs as that entity
    }

    [Fact]
    public void A_zero_delay_event_runs_after_every_event_already_due_even_those_of_higher_entities()
    {
        // Depth: entity 1's zero-delay follow-up (depth 1) waits for entity 9's event (depth 0) at the same instant,
        // so causality at one instant is breadth first, as FIFO would have it.
        var sim = new Simulator();
        var r = new Recorder(sim);
        r.Then = (kind, arg) =>
        {
            if (arg == 1)
            {
                sim.ScheduleAfter(SimTime.Zero, r, arg: 100);
            }
        };
        sim.ScheduleOn(1, SimTime.FromNanoseconds(4), r, arg: 1);
        sim.ScheduleOn(9, SimTime.FromNanoseconds(4), r, arg: 9);
        sim.Run();
        Assert.Equal([1L, 9, 100], r.Seen.Select(s => s.Arg));
    }

    [Fact]
    public void ScheduleOn_runs_the_event_as_the_named_entity_and_numbers_it_by_the_scheduling_one()
    {
        // A link delivers to the far host: the arrival runs as entity 5, but among arrivals at one instant the
        // order follows the senders (entity 2 before entity 4), not the receivers.
        var sim = new Simulator();
        var r = new Recorder(sim);
        r.Then = (kind, arg) =>
        {
            if (kind == 0)
            {
                sim.ScheduleOn(arg == 4 ? 5 : 6, SimTime.FromNanoseconds(10), r, kind: 1, arg: arg * 100);
            }
        };
        sim.ScheduleOn(4, SimTime.FromNanoseconds(1), r, arg: 4);
        sim.ScheduleOn(2, SimTime.FromNanoseconds(2), r, arg: 2);
        sim.Run();
        Assert.Equal([(10_000L, 6, 200L), (10_000L, 5, 400L)], r.Seen.Skip(2));
    }

    [Fact]
    public void The_order_is_the_same_after_a_reset_as_in_a_fresh_simulator()
    {
        static List<(long, int, long)> Run(Simulator sim)
        {
            var r = new Recorder(sim);
            var rng = new System.Random(7);
            r.Then = (kind, arg) =>
            {
                if (arg < 2_000)
                {
                    sim.ScheduleOn(rng.Next(1, 8), sim.Now + SimTime.FromNanoseconds(rng.Next(0, 3)), r, arg: arg + 1);
                }
            };
            for (int e = 1; e < 8; e++)
            {
                sim.ScheduleOn(e, SimTime.Zero, r, arg: 0);
            }

            sim.Run();
            return r.Seen;
        }

        var used = new Simulator();
        _ = Run(used);
        used.Reset(); // entity sequences keep counting; only their order within an entity matters
        Assert.Equal(Run(new Simulator()), Run(used));
    }

    [Fact]
    public void Cancelling_by_handle_still_names_exactly_one_event()
    {
        var sim = new Simulator();
        var r = new Recorder(sim);
        var a = sim.ScheduleOn(1, SimTime.FromNanoseconds(3), r, arg: 1);
        var b = sim.ScheduleOn(1, SimTime.FromNanoseconds(3), r, arg: 2);
        Assert.True(sim.Cancel(a));
        Assert.False(sim.Cancel(a));
        sim.Run();
        Assert.Equal([2L], r.Seen.Select(s => s.Arg));
        Assert.False(sim.IsPending(b));
    }

    [Fact]
    public void An_entity_outside_the_tie_range_is_refused()
    {
        var sim = new Simulator();
        var r = new Recorder(sim);
        Assert.Throws<ArgumentOutOfRangeException>(() => sim.ScheduleOn(Simulator.MaxEntity + 1, SimTime.Zero, r));
        Assert.Throws<ArgumentOutOfRangeException>(() => sim.ScheduleOn(-1, SimTime.Zero, r));
        Assert.Throws<ArgumentOutOfRangeException>(() => sim.ActAs(-1));
    }
}

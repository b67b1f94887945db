using NetPerf.Engine.Scheduling;
using NetPerf.Engine.Scheduling.Partitioning;
using NetPerf.Engine.Time;

namespace NetPerf.Engine.Tests.Scheduling;

public class PartitionedSimulationTests
{
    private sealed class Relay(Func<int, Simulator> simOf, int entity, SimTime delay, int to) : IEventHandler
    {
        public Relay? Next { get; set; }

        public List<long> Seen { get; } = [];

        public void OnEvent(int kind, long arg)
        {
            var sim = simOf(entity);
            Seen.Add(sim.Now.Picoseconds);
            if (arg > 0)
            {
                sim.ScheduleOn(to, sim.Now + delay, Next!, kind, arg - 1);
            }
        }
    }

    [Fact]
    public void Partitions_joined_by_zero_delay_have_no_lookahead_and_are_refused()
    {
        var e = Assert.Throws<ArgumentOutOfRangeException>(() => new PartitionedSimulation([0, 0, 1], 2, SimTime.Zero));
        Assert.Contains("no lookahead", e.Message);
    }

    [Fact]
    public void An_event_sent_across_in_less_than_the_lookahead_fails_the_run_and_says_so()
    {
        var group = new PartitionedSimulation([0, 0, 1], 2, SimTime.FromNanoseconds(10));
        var a = new Relay(group.SimulatorOf, 1, SimTime.FromNanoseconds(3), 2);
        var b = new Relay(group.SimulatorOf, 2, SimTime.FromNanoseconds(3), 1);
        a.Next = b;
        b.Next = a;
        group.ScheduleOn(1, SimTime.Zero, a, arg: 4);
        var e = Assert.Throws<InvalidOperationException>(() => group.RunUntil(SimTime.FromMicroseconds(1)));
        Assert.Contains("shorter than the lookahead", e.Message);
    }

    [Fact]
    public void A_ping_pong_between_partitions_takes_one_delay_per_hop()
    {
        var group = new PartitionedSimulation([0, 0, 1], 2, SimTime.FromNanoseconds(10));
        var a = new Relay(group.SimulatorOf, 1, SimTime.FromNanoseconds(10), 2);
        var b = new Relay(group.SimulatorOf, 2, SimTime.FromNanoseconds(10), 1);
        a.Next = b;
        b.Next = a;
        group.ScheduleOn(1, SimTime.Zero, a, arg: 5);
        group.RunUntil(SimTime.FromMicroseconds(1));
        Assert.Equal([0L, 20_000, 40_000], a.Seen);
        Assert.Equal([10_000L, 30_000, 50_000], b.Seen);
        Assert.Equal(5, group.CrossPartitionEvents);
        Assert.Equal(SimTime.FromMicroseconds(1), group.Now);
        Assert.Equal(SimTime.FromMicroseconds(1), group.Partition(1).Now);
    }

    [Fact]
    public void Entity_0_the_driver_runs_no_events_in_a_partitioned_simulation()
    {
        var group = new PartitionedSimulation([0, 0], 1, SimTime.FromNanoseconds(1));
        var a = new Relay(group.SimulatorOf, 1, SimTime.FromNanoseconds(1), 1);
        Assert.Throws<ArgumentOutOfRangeException>(() => group.ScheduleOn(0, SimTime.Zero, a));
        Assert.Throws<InvalidOperationException>(() => group.Partition(0).Schedule(SimTime.Zero, a));
        Assert.Throws<InvalidOperationException>(() => group.Partition(0).Stop());
    }
}

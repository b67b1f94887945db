using MathNet.Numerics.Distributions;
using NetPerf.Engine.Random;
using NetPerf.Engine.Scheduling;
using NetPerf.Engine.Statistics;
using NetPerf.Engine.Time;
using NetPerf.Network.Cpu;

namespace NetPerf.Network.Tests.Cpu;

public class CoreTests
{
    private sealed class Done(Simulator sim) : IEventHandler
    {
        public List<(SimTime At, long Job)> Completed { get; } = [];

        public void OnEvent(int kind, long arg) => Completed.Add((sim.Now, arg));
    }

    [Fact]
    public void Two_flows_on_one_core_wait_for_each_other_and_on_two_cores_do_not()
    {
        var work = SimTime.FromNanoseconds(800);

        var sim = new Simulator();
        var done = new Done(sim);
        var shared = new Core(sim, 0, stageCount: 1);
        shared.Submit(work, 0, done, 0, arg: 1);
        shared.Submit(work, 0, done, 0, arg: 2);
        sim.Run();
        Assert.Equal([(work, 1L), (work * 2, 2L)], done.Completed);

        sim = new Simulator();
        done = new Done(sim);
        var a = new Core(sim, 0, 1);
        var b = new Core(sim, 1, 1);
        a.Submit(work, 0, done, 0, arg: 1);
        b.Submit(work, 0, done, 0, arg: 2);
        sim.Run();
        Assert.Equal([(work, 1L), (work, 2L)], done.Completed);
    }

    [Fact]
    public void Busy_time_is_accounted_to_the_stage_that_used_it()
    {
        var sim = new Simulator();
        var done = new Done(sim);
        var core = new Core(sim, 0, stageCount: 3);
        core.Submit(SimTime.FromNanoseconds(300), 0, done, 0, 0);
        core.Submit(SimTime.FromNanoseconds(500), 2, done, 0, 0);
        core.Submit(SimTime.FromNanoseconds(200), 2, done, 0, 0);
        sim.Run();
        Assert.Equal(300_000, core.BusyPicosecondsOf(0));
        Assert.Equal(0, core.BusyPicosecondsOf(1));
        Assert.Equal(700_000, core.BusyPicosecondsOf(2));
        Assert.Equal(SimTime.FromNanoseconds(1000), sim.Now);
    }

    /// <summary>Packets arriving as a Poisson stream at a core with a fixed per-packet cost form an M/D/1 queue.</summary>
    private sealed class PoissonSource : IEventHandler
    {
        private readonly Simulator _sim;
        private readonly Core _core;
        private readonly RngStream _rng;
        private readonly double _meanGapPs;
        private readonly SimTime _cost;
        private readonly Queue<long> _arrivals = new();
        private long _sent;

        public PoissonSource(Simulator sim, Core core, double rho, SimTime cost)
        {
            _sim = sim;
            _core = core;
            _cost = cost;
            _meanGapPs = cost.Picoseconds / rho;
            _rng = new RngStreams(77).Create("nic/rx");
            Completion = new Sink(this);
        }

        public Tally WaitNs { get; } = new();

        public IEventHandler Completion { get; }

        public void OnEvent(int kind, long arg)
        {
            if (++_sent < 400_000)
            {
                _sim.ScheduleAfter(new SimTime((long)Exponential.Sample(_rng, 1 / _meanGapPs)), this);
            }

            _arrivals.Enqueue(_sim.Now.Picoseconds);
            _core.Submit(_cost, 0, Completion, 0, 0);
        }

        private sealed class Sink(PoissonSource s) : IEventHandler
        {
            public void OnEvent(int kind, long arg)
            {
                long sojourn = s._sim.Now.Picoseconds - s._arrivals.Dequeue();
                s.WaitNs.Add((sojourn - s._cost.Picoseconds) / 1000.0);
            }
        }
    }

    [Fact]
    public void Packets_contending_for_a_core_wait_as_in_an_M_D_1_queue()
    {
        // 1 us per packet at utilisation 0.7: Wq = rho / (2 mu (1 - rho)) = 1.1667 us.
        var sim = new Simulator();
        var core = new Core(sim, 0, 1);
        var source = new PoissonSource(sim, core, 0.7, SimTime.FromMicroseconds(1));
        sim.Schedule(SimTime.Zero, source);
        sim.Run();
        double expectedNs = 0.7 / (2 * (1 - 0.7)) * 1000;
        Assert.InRange(source.WaitNs.Mean, expectedNs * 0.97, expectedNs * 1.03);
    }
}

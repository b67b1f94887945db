using NetPerf.Engine.Scheduling;
using NetPerf.Engine.Time;

namespace NetPerf.Network.Cpu;

/// <summary>
/// One CPU core as a server: work items (a kernel stage for one packet, an application's service time) run one
/// at a time, first come first served, each for its cost. A job that finds the core busy waits, and that wait
/// is part of the latency the packet sees: contention between flows on a core becomes queueing delay. Busy time
/// is accounted per stage.
/// </summary>
public sealed class Core : IEventHandler
{
    private readonly Simulator _sim;
    private readonly long[] _busyByStage;
    private Job[] _jobs = new Job[16];
    private int _head;
    private int _count;
    private Job _running;
    private bool _busy;

    public Core(Simulator sim, int id, int stageCount)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(stageCount, 1);
        _sim = sim;
        Id = id;
        _busyByStage = new long[stageCount];
    }

    public int Id { get; }

    /// <summary>
    /// How much slower (above 1) or faster (below 1) than the cost table's median the kernel's work on this core
    /// runs now: the state of the CPU a transaction finds (which slab objects and socket lines are cache-hot, the
    /// TLB, the per-CPU timer wheel and RCU batches it has to serve). A workload draws it at each transaction that
    /// opens a connection (<see cref="CostTable.ConnectionWorkSigma"/>); every kernel stage charged on this core
    /// is scaled by it until the next draw. 1 (the table's figures) unless set.
    /// </summary>
    public double WorkScale { get; set; } = 1;

    /// <summary>Jobs waiting, not counting the one running.</summary>
    public int Waiting => _count;

    public bool IsBusy => _busy;

    /// <summary>Picoseconds of work completed or started, in total.</summary>
    public long BusyPicoseconds { get; private set; }

    public long BusyPicosecondsOf(int stage) => _busyByStage[stage];

    /// <summary>
    /// Runs <paramref name="work"/> of <paramref name="stage"/> when the core is free, then calls
    /// <c>done.OnEvent(kind, arg)</c> at the moment it completes (nothing, if <paramref name="done"/> is null).
    /// </summary>
    public void Submit(SimTime work, int stage, IEventHandler? done, int kind, long arg)
    {
        if (work < SimTime.Zero)
        {
            throw new ArgumentOutOfRangeException(nameof(work), work, "work cannot be negative.");
        }

        var job = new Job(work.Picoseconds, stage, done, kind, arg);
        if (!_busy)
        {
            Start(job);
            return;
        }

        if (_count == _jobs.Length)
        {
            Grow();
        }

        int tail = _head + _count;
        _jobs[tail >= _jobs.Length ? tail - _jobs.Length : tail] = job;
        _count++;
    }

    void IEventHandler.OnEvent(int kind, long arg)
    {
        Job finished = _running;
        if (_count > 0)
        {
            Job next = _jobs[_head];
            _jobs[_head] = default;
            _head = _head + 1 == _jobs.Length ? 0 : _head + 1;
            _count--;
            Start(next);
        }
        else
        {
            _busy = false;
            _running = default;
        }

        // Completion is delivered after the next job has started, so a stage that submits follow-on work to
        // this same core queues behind jobs that were already waiting, as a softirq's next packet would.
        finished.Done?.OnEvent(finished.Kind, finished.Arg);
    }

    private void Start(Job job)
    {
        _busy = true;
        _running = job;
        BusyPicoseconds += job.WorkPs;
        _busyByStage[job.Stage] += job.WorkPs;
        _sim.ScheduleAfter(new SimTime(job.WorkPs), this);
    }

    private void Grow()
    {
        var bigger = new Job[_jobs.Length * 2];
        for (int i = 0; i < _count; i++)
        {
            int k = _head + i;
            bigger[i] = _jobs[k >= _jobs.Length ? k - _jobs.Length : k];
        }

        _jobs = bigger;
        _head = 0;
    }

    private readonly record struct Job(long WorkPs, int Stage, IEventHandler? Done, int Kind, long Arg);
}

using NetPerf.Engine.Time;

namespace NetPerf.Engine.Scheduling;

/// <summary>
/// A timer that is re-armed far more often than it fires, such as TCP's retransmission timer, which moves
/// forward on every ACK. It keeps at most one pending event plus a deadline: moving the deadline later costs
/// nothing (the pending wake-up re-checks and sleeps again), and only moving it earlier or disarming cancels.
/// When the deadline passes, <c>target.OnEvent(kind, arg)</c> runs.
/// </summary>
public sealed class DeadlineTimer : IEventHandler
{
    private readonly Simulator _sim;
    private readonly IEventHandler _target;
    private readonly int _kind;
    private readonly long _arg;
    private EventHandle _wakeUp;
    private long _wakeUpTime;
    private long _deadline;

    public DeadlineTimer(Simulator sim, IEventHandler target, int kind = 0, long arg = 0)
    {
        _sim = sim;
        _target = target;
        _kind = kind;
        _arg = arg;
    }

    public bool IsArmed { get; private set; }

    /// <summary>When the timer fires, if armed.</summary>
    public SimTime Deadline => new(_deadline);

    /// <summary>How many wake-ups were scheduled: one per firing plus one per deadline moved earlier.</summary>
    public long WakeUpsScheduled { get; private set; }

    public void ArmAfter(SimTime delay) => Arm(_sim.Now + delay);

    /// <summary>Sets (or moves) the deadline.</summary>
    public void Arm(SimTime deadline)
    {
        if (deadline < _sim.Now)
        {
            throw new ArgumentOutOfRangeException(nameof(deadline), deadline, $"a timer cannot be armed in the past (now is {_sim.Now}).");
        }

        _deadline = deadline.Picoseconds;
        IsArmed = true;
        if (_sim.IsPending(_wakeUp))
        {
            if (_wakeUpTime <= _deadline)
            {
                return;
            }

            _sim.Cancel(_wakeUp);
        }

        ScheduleWakeUp(_deadline);
    }

    /// <summary>Stops the timer; its pending wake-up is cancelled so it cannot hold the clock open.</summary>
    public void Disarm()
    {
        IsArmed = false;
        _sim.Cancel(_wakeUp);
        _wakeUp = default;
    }

    void IEventHandler.OnEvent(int kind, long arg)
    {
        _wakeUp = default;
        if (!IsArmed)
        {
            return;
        }

        if (_sim.Now.Picoseconds < _deadline)
        {
            ScheduleWakeUp(_deadline);
            return;
        }

        IsArmed = false;
        _target.OnEvent(_kind, _arg);
    }

    private void ScheduleWakeUp(long at)
    {
        _wakeUpTime = at;
        _wakeUp = _sim.Schedule(new SimTime(at), this);
        WakeUpsScheduled++;
    }
}

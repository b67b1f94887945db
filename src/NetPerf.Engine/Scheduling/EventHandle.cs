namespace NetPerf.Engine.Scheduling;

/// <summary>
/// Names one scheduled event so that it can be cancelled. The sequence number is unique for the queue's
/// lifetime, so a handle to an event that already ran (or was cancelled) can never cancel another one that
/// reused its storage slot. <c>default</c> is "no event".
/// </summary>
public readonly record struct EventHandle(int Slot, long Sequence)
{
    public bool IsNone => Sequence == 0;
}

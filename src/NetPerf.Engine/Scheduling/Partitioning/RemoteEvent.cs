namespace NetPerf.Engine.Scheduling.Partitioning;

/// <summary>
/// An event crossing from one partition to another, keyed by its sender as the sequential engine would key it
/// (its depth is 0: it is at least one lookahead in the future).
/// </summary>
internal readonly struct RemoteEvent(long time, long tie, in Event ev)
{
    public readonly long Time = time;
    public readonly long Tie = tie;
    public readonly Event Event = ev;
}

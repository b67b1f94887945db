namespace NetPerf.Engine.Scheduling;

/// <summary>
/// What an event does when its time comes: a handler, a small payload, and the entity it runs on (the host or
/// other model unit whose state it touches, see <see cref="Simulator"/>). A struct, never boxed.
/// </summary>
public readonly struct Event(IEventHandler handler, int kind, long arg, int entity = 0)
{
    public IEventHandler Handler { get; } = handler;
    public int Kind { get; } = kind;
    public long Arg { get; } = arg;

    /// <summary>The scheduling entity the event runs as: what it schedules is tied-broken by this entity's sequence.</summary>
    public int Entity { get; } = entity;
}

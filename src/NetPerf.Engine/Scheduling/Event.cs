namespace NetPerf.Engine.Scheduling;

/// <summary>What an event does when its time comes: a handler and a small payload. A struct, never boxed.</summary>
public readonly struct Event(IEventHandler handler, int kind, long arg)
{
    public IEventHandler Handler { get; } = handler;
    public int Kind { get; } = kind;
    public long Arg { get; } = arg;
}

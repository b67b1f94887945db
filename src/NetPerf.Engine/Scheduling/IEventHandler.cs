namespace NetPerf.Engine.Scheduling;

/// <summary>
/// A model object that events are delivered to. Handlers are long-lived (a link, a core, a socket): an event
/// names its handler plus a small integer payload, so scheduling never allocates.
/// </summary>
public interface IEventHandler
{
    /// <param name="kind">What happened, in the handler's own numbering (e.g. "transmission done").</param>
    /// <param name="arg">A payload: a packet index, a flow id, a sequence number.</param>
    void OnEvent(int kind, long arg);
}

namespace NetPerf.Network.Stack;

/// <summary>
/// An endpoint holding its port only in a state that another connect() may take over (a TCP connection in
/// TIME-WAIT under tcp_tw_reuse): the ephemeral port allocator asks before skipping the port.
/// </summary>
public interface IReusableEndpoint : ILocalEndpoint
{
    /// <summary>Gives the port up if it may be reused now (and unbinds); false to keep it.</summary>
    bool TryRelease();
}

namespace NetPerf.Workloads.Tcp;

/// <summary>
/// The request and response sizes a client connection will use, in order, so the server can cut the byte stream
/// into requests as a real protocol's framing would let it. Keyed by the client's port, which identifies a
/// connection to the server whatever address translation it crossed (SNAT keeps ports unless they collide).
/// </summary>
internal sealed class RequestPlan
{
    private readonly Dictionary<ushort, Queue<(int Request, int Response)>> _byClientPort = [];

    public Queue<(int Request, int Response)> For(ushort clientPort)
    {
        if (!_byClientPort.TryGetValue(clientPort, out var queue))
        {
            queue = new Queue<(int, int)>();
            _byClientPort[clientPort] = queue;
        }

        return queue;
    }

    public void Forget(ushort clientPort) => _byClientPort.Remove(clientPort);
}

namespace NetPerf.Workloads.Tcp;

/// <summary>
/// The request and response sizes a client connection will use, in order, so the server can cut the byte stream
/// into requests as a real protocol's framing would let it. Keyed by what the client's first bytes tell the
/// server of its connection (<see cref="Transport.Tcp.TcpSocket.ApplicationData"/>: the workload's flow and the
/// connection's number), which no address translation changes: SNAT may give the connection another source
/// port (a port held, --random-fully), and two pods' connections may share one.
/// </summary>
internal sealed class RequestPlan
{
    private readonly Dictionary<long, Queue<(int Request, int Response)>> _byConnection = [];

    public Queue<(int Request, int Response)> For(long connection)
    {
        if (!_byConnection.TryGetValue(connection, out var queue))
        {
            queue = new Queue<(int, int)>();
            _byConnection[connection] = queue;
        }

        return queue;
    }

    public void Forget(long connection) => _byConnection.Remove(connection);

    /// <summary>The key of a workload's <paramref name="serial"/>-th connection: its flow in the high half, so one server serving several workloads knows whose it is.</summary>
    public static long Key(int flowId, uint serial) => ((long)(uint)flowId << 32) | serial;

    /// <summary>The flow whose connection <paramref name="key"/> is.</summary>
    public static int FlowOf(long key) => (int)(key >> 32);
}

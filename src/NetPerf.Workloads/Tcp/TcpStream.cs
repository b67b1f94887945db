using NetPerf.Network.Topology;
using NetPerf.Transport.Tcp;

namespace NetPerf.Workloads.Tcp;

/// <summary>
/// TCP_STREAM: one connection per client, the sender keeping its send buffer full with writes of
/// <see cref="WriteBytes"/> (iperf3's default 128 KB), the receiver reading everything. Goodput is the payload
/// the receiving application got per second after the warm-up.
/// </summary>
public sealed class TcpStream : IWorkload
{
    private readonly List<TcpSocket> _senders = [];
    private readonly TcpStatisticsTotal _closed = new();

    public TcpStream(string name, Endpoints endpoints, int connections = 1, int writeBytes = 128 * 1024, TcpOptions? options = null, int flowId = 0)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(connections, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(writeBytes, 1);
        Name = name;
        Endpoints = endpoints;
        Connections = connections;
        WriteBytes = writeBytes;
        Options = options ?? TcpOptions.Linux;
        FlowId = flowId;
        Measurement = new Measurement(endpoints.Client.Host.Sim);
        TcpListener Listen(NetworkNamespace ns) => new(ns, endpoints.ListenPort, new Sink(Measurement), endpoints.ServerCore, Options)
        {
            WakeUpLatency = endpoints.WakeUpLatency,
            FlowId = flowId,
        };
        Listener = Listen(endpoints.Server);
        ReplicaListeners = [.. endpoints.Replicas.Select(r => Listen(r.Namespace))];
    }

    public string Name { get; }
    public Endpoints Endpoints { get; }
    public int Connections { get; }
    public int WriteBytes { get; }
    public TcpOptions Options { get; }
    public int FlowId { get; }
    public Measurement Measurement { get; }
    public TcpListener Listener { get; }

    /// <summary>The same sink on each of <see cref="Endpoints.Replicas"/>.</summary>
    public IReadOnlyList<TcpListener> ReplicaListeners { get; }
    public IReadOnlyList<TcpSocket> Senders => _senders;

    public TcpStatisticsTotal Tcp => _closed.WithLive(_senders);

    /// <summary>Packets the senders sent (without allocating, for benchmarks).</summary>
    public long ClientPacketsSent
    {
        get
        {
            long sent = 0;
            foreach (var socket in _senders)
            {
                sent += socket.Statistics.PacketsSent;
            }

            return sent;
        }
    }

    TcpStatisticsTotal? IWorkload.Tcp => Tcp;

    private Source? _source;

    public void Start()
    {
        var e = Endpoints;
        var source = _source = new Source(WriteBytes);
        for (int i = 0; i < Connections; i++)
        {
            _senders.Add(TcpSocket.Connect(e.Client, e.ServerAddress, e.ServerPort, source, e.ClientCore, Options, FlowId, e.WakeUpLatency));
        }
    }

    /// <summary>
    /// The sender stops writing, now: what its send buffers hold is still sent and received, then each connection
    /// closes (its FIN queued behind the data, as close() after the last write).
    /// </summary>
    public void Stop()
    {
        if (_source is not { Stopped: false } source)
        {
            return;
        }

        source.Stopped = true;
        foreach (var socket in _senders)
        {
            socket.Close();
        }
    }

    private sealed class Source(int writeBytes) : ITcpApplication
    {
        public bool Stopped { get; set; }

        public void OnConnected(TcpSocket socket)
        {
            if (!Stopped)
            {
                Fill(socket);
            }
        }

        public void OnSendSpace(TcpSocket socket)
        {
            if (!Stopped)
            {
                Fill(socket);
            }
        }

        public void OnReceived(TcpSocket socket, long bytes)
        {
        }

        public void OnPeerClosed(TcpSocket socket) => socket.Close();

        public void OnClosed(TcpSocket socket)
        {
        }

        private void Fill(TcpSocket socket)
        {
            // Blocking writes of writeBytes until the send buffer refuses; OnSendSpace resumes.
            while (socket.Send(writeBytes) == writeBytes)
            {
            }
        }
    }

    private sealed class Sink(Measurement measurement) : ITcpApplication
    {
        public void OnConnected(TcpSocket socket)
        {
        }

        public void OnReceived(TcpSocket socket, long bytes) => measurement.Delivered(bytes);

        public void OnPeerClosed(TcpSocket socket) => socket.Close();

        public void OnClosed(TcpSocket socket)
        {
        }
    }
}

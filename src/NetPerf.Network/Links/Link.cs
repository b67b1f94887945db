using NetPerf.Engine.Scheduling;
using NetPerf.Engine.Time;
using NetPerf.Network.Packets;

namespace NetPerf.Network.Links;

/// <summary>
/// One direction of a point-to-point link: a transmitter with a drop-tail queue, a line rate and a propagation
/// delay. A frame occupies the line for its wire bytes (frame, padding to 64 B, preamble and inter-frame gap)
/// at the line rate, then arrives at the receiver one propagation delay after its last bit left.
/// A full-duplex cable is two of these. A GSO packet is its segments back to back: it occupies the line for
/// all their wire bytes, holds one queue slot (a qdisc's skb) or one per segment (<see cref="QueueUnit"/>),
/// and arrives at a host when its last segment does, which is when receive offload (GRO) would hand the
/// aggregate up.
/// <para>
/// A switch or router port (<see cref="IFrameReceiver.ForwardsPerFrame"/>) stores and forwards each frame, not
/// the burst: it is handed the burst when the first frame is in, while the line stays busy for the rest, so the
/// box starts sending frame 1 while frame 2 is still arriving. Its egress link then serialises the burst, but it
/// cannot send a frame before that frame has arrived: when the egress is faster than the ingress it is paced by
/// the arrivals, so the last frame leaves no earlier than its arrival plus its own serialisation
/// (<see cref="Packet.LastFrameArrivalPs"/>). A burst through one switch thus reaches the far host one burst and
/// one frame (and two propagation delays) after it began to leave, and a single frame still pays two
/// serialisations.
/// </para>
/// </summary>
public sealed class Link : IEventHandler
{
    private const int TransmitDone = 0;
    private const int Arrival = 1;
    private const int LineFree = 2; // the end of a burst whose receiver already has it

    private readonly Simulator _sim;
    private readonly PacketPool _pool;
    private readonly PacketRing _queue;
    private IFrameReceiver? _receiver;
    private int _receiverEntity = -1; // -1: arrivals run on the transmitting entity
    private bool _busy;
    private int _queuedFrames;

    public Link(Simulator sim, PacketPool pool, long bitsPerSecond, SimTime propagation, int mtu = 1500, int queuePackets = 1000,
        QueueUnit unit = QueueUnit.Packets)
    {
        Unit = unit;
        ArgumentOutOfRangeException.ThrowIfLessThan(bitsPerSecond, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(propagation, SimTime.Zero);
        ArgumentOutOfRangeException.ThrowIfLessThan(mtu, 68); // RFC 791: every IPv4 link carries 68 bytes
        ArgumentOutOfRangeException.ThrowIfLessThan(queuePackets, 0);
        _sim = sim;
        _pool = pool;
        BitsPerSecond = bitsPerSecond;
        Propagation = propagation;
        Mtu = mtu;
        _queue = new PacketRing(queuePackets);
    }

    public long BitsPerSecond { get; }
    public SimTime Propagation { get; }

    /// <summary>Largest IP packet the link carries.</summary>
    public int Mtu { get; }

    /// <summary>Packets or frames (<see cref="Unit"/>) that can wait while one packet is on the line: txqueuelen, or a port's buffer.</summary>
    public int QueueCapacity => _queue.Capacity;

    public QueueUnit Unit { get; }

    /// <summary>Packets or frames waiting.</summary>
    public int QueueLength => _queuedFrames;
    public int MaxQueueLength { get; private set; }

    /// <summary>Frames put on the line (a GSO packet counts its segments).</summary>
    public long TransmittedPackets { get; private set; }
    public long TransmittedWireBytes { get; private set; }

    /// <summary>Frames dropped because the queue was full (the tail segments of a GSO burst that did not fit count one each).</summary>
    public long QueueDrops { get; private set; }

    /// <summary>Frames dropped because their IP packet exceeded the MTU (the IP layer should have prevented it).</summary>
    public long OversizeDrops { get; private set; }

    /// <summary>
    /// Connects the far end; its frames arrive as <paramref name="receiverEntity"/> (the far host's scheduling
    /// entity), or as the transmitting entity if none is given (a link inside one model unit).
    /// </summary>
    public void Connect(IFrameReceiver receiver, int receiverEntity = -1)
    {
        _receiver = receiver;
        _receiverEntity = receiverEntity;
    }

    /// <summary>Time the line is busy with <paramref name="wireBytes"/>, rounded up to a whole picosecond.</summary>
    public SimTime SerialisationTime(int wireBytes)
    {
        long bits = wireBytes * 8L;
        // bits x 1e12 stays below 2^63 for any frame (64 KB x 8 x 1e12 = 5.2e17).
        return new SimTime(((bits * SimTime.PicosecondsPerSecond) + BitsPerSecond - 1) / BitsPerSecond);
    }

    /// <summary>
    /// Hands a frame (or a GSO packet's frames) to the transmitter. False if it was dropped whole (and returned
    /// to the pool); a GSO packet with room for only some of its segments loses the others.
    /// </summary>
    public bool Send(int packet)
    {
        ref var p = ref _pool[packet];
        if (p.LargestSegmentIpLength > Mtu)
        {
            OversizeDrops += p.Segments;
            _pool.Return(packet);
            return false;
        }

        if (!_busy)
        {
            StartTransmission(packet);
            return true;
        }

        int frames = Unit == QueueUnit.Frames ? p.Segments : 1;
        int room = _queue.Capacity - _queuedFrames;
        if (room <= 0 || _queue.Count == _queue.Capacity)
        {
            QueueDrops += p.Segments;
            _pool.Return(packet);
            return false;
        }

        if (frames > room)
        {
            // Drop-tail per frame: the burst's first segments fit, the rest are dropped.
            QueueDrops += frames - room;
            p.KeepFirstSegments(room);
            frames = room;
        }

        _queue.TryEnqueue(packet);
        _queuedFrames += frames;
        if (_queuedFrames > MaxQueueLength)
        {
            MaxQueueLength = _queuedFrames;
        }

        return true;
    }

    void IEventHandler.OnEvent(int kind, long arg)
    {
        int packet = (int)arg;
        if (kind is TransmitDone or LineFree)
        {
            if (kind == TransmitDone)
            {
                ScheduleArrival(_sim.Now + Propagation, packet);
            }

            if (_queue.Count > 0)
            {
                int next = _queue.Dequeue();
                _queuedFrames -= Unit == QueueUnit.Frames ? _pool[next].Segments : 1;
                StartTransmission(next);
            }
            else
            {
                _busy = false;
            }

            return;
        }

        if (_receiver is null)
        {
            throw new InvalidOperationException("a frame arrived on a link whose far end is not connected.");
        }

        _receiver.OnFrame(packet);
    }

    private void StartTransmission(int packet)
    {
        _busy = true;
        ref var p = ref _pool[packet];
        int wire = p.WireBytes;
        TransmittedPackets += p.Segments;
        TransmittedWireBytes += wire;
        long now = _sim.Now.Picoseconds;
        long done = now + SerialisationTime(wire).Picoseconds;
        if (p.LastFrameArrivalPs > now)
        {
            // Handed on by a switch before its last frame was in: the line cannot send what has not arrived, so a
            // faster egress than ingress waits for the last frame and then serialises it.
            done = Math.Max(done, p.LastFrameArrivalPs + SerialisationTime(p.LastFrameWireBytes).Picoseconds);
        }

        long arrival = done + Propagation.Picoseconds;
        p.LastFrameArrivalPs = arrival;
        if (p.Segments > 1 && _receiver is { ForwardsPerFrame: true })
        {
            // The far box starts on the burst when its first frame is in; the line is busy until the last left.
            long firstIn = now + SerialisationTime(p.FirstFrameWireBytes).Picoseconds + Propagation.Picoseconds;
            ScheduleArrival(new SimTime(firstIn), packet);
            _sim.Schedule(new SimTime(done), this, LineFree, -1);
            return;
        }

        _sim.Schedule(new SimTime(done), this, TransmitDone, packet);
    }

    /// <summary>A frame reaches the far end: it runs as the far host, the one place work crosses between hosts' entities.</summary>
    private void ScheduleArrival(SimTime at, int packet)
    {
        if (_receiverEntity < 0)
        {
            _sim.Schedule(at, this, Arrival, packet);
        }
        else
        {
            _sim.ScheduleOn(_receiverEntity, at, this, Arrival, packet);
        }
    }
}

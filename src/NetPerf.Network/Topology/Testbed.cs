using NetPerf.Engine.Random;
using NetPerf.Engine.Scheduling;
using NetPerf.Network.Packets;

namespace NetPerf.Network.Topology;

/// <summary>
/// What every host of one simulation shares: the simulator, the packet pool, and device numbering (so that
/// interface indices and MAC addresses are unique across hosts, and the same from run to run).
/// </summary>
public sealed class Testbed(Simulator sim, PacketPool pool, ulong seed = 1)
{
    private uint _nextDevice;

    public Testbed()
        : this(new Simulator(), new PacketPool())
    {
    }

    public Simulator Sim { get; } = sim;
    public PacketPool Pool { get; } = pool;

    /// <summary>Random streams named after the entity that uses them ("node1/root/iptables").</summary>
    public RngStreams Streams { get; } = new(seed);

    internal uint NextDeviceNumber() => ++_nextDevice;

    /// <summary>
    /// The scheduling entity of the next host built: hosts are numbered 1, 2, ... in build order, which the
    /// scenario fixes, so every run (and every partitioning of the hosts) numbers them alike. 0 is the driver.
    /// </summary>
    internal int NextEntity() => ++_nextEntity;

    private int _nextEntity;

    /// <summary>IP identification for fragmented datagrams: per simulation, so parallel simulations never share it.</summary>
    internal int NextDatagramId() => ++_nextDatagram;

    private int _nextDatagram;
}

using NetPerf.Engine.Time;
using NetPerf.Network.Cpu;
using NetPerf.Network.Devices;
using NetPerf.Network.Links;
using NetPerf.Network.Topology;

namespace NetPerf.Kubernetes.Fabric;

/// <summary>
/// The top-of-rack switch that puts every node on one L2 segment: a learning bridge whose ports are cabled to
/// the nodes' NICs. It forwards in hardware, so it costs no CPU (its host's stages are free); what it does cost
/// is a store-and-forward serialisation on each egress port and that port's buffer, counted in frames. It
/// stores and forwards each frame, not a host's whole TSO burst: its ports take a burst when the first frame is in
/// (<see cref="PhysicalNic.ForwardsPerFrame"/>), so a burst costs one burst's serialisation plus one frame's, not
/// two bursts'.
/// </summary>
public sealed class L2Switch
{
    private readonly Host _host;
    private readonly BridgeDevice _bridge;
    private int _ports;

    public L2Switch(Testbed bed, string name, long bitsPerSecond, SimTime propagation, int portBufferFrames = 1000)
    {
        _host = new Host(bed, name, CostTable.Free(), cores: 1);
        _bridge = new BridgeDevice(_host.Root, "br0", mtu: 9216);
        BitsPerSecond = bitsPerSecond;
        Propagation = propagation;
        PortBufferFrames = portBufferFrames;
    }

    /// <summary>The switch's box: a top-of-rack router routes on the same one (<see cref="TopOfRackRouter"/>).</summary>
    internal Host Host => _host;

    /// <summary>The switching fabric; a router's interface on the segment is an address on it (an SVI).</summary>
    internal BridgeDevice Bridge => _bridge;

    public long BitsPerSecond { get; }
    public SimTime Propagation { get; }
    public int PortBufferFrames { get; }

    /// <summary>A Linux host's txqueuelen default (1000 packets, net/core/dev.c DEFAULT_TX_QUEUE_LEN).</summary>
    public const int HostQueuePackets = 1000;

    /// <summary>Cables <paramref name="nic"/> to a new port.</summary>
    public PhysicalNic Connect(PhysicalNic nic)
    {
        var port = new PhysicalNic(_host.Root, $"port{++_ports}", mtu: 9216, receiveQueues: 1) { ForwardsPerFrame = true };
        _bridge.Enslave(port);
        // The host's side is its qdisc (txqueuelen 1000, counted in skbs: a GSO super-packet is one), the
        // switch's side a port buffer counted in frames.
        PhysicalNic.Connect(nic, port, BitsPerSecond, Propagation, HostQueuePackets, QueueUnit.Packets, PortBufferFrames, QueueUnit.Frames);

        // The host's ARP traffic (not modelled) would have taught the switch where its MAC is: no first-frame flood.
        _bridge.AddStaticEntry(nic.Mac, port);
        return port;
    }
}

using NetPerf.Network.Stack;

namespace NetPerf.Network.Devices;

/// <summary>
/// What a device's master does with the frames the device receives, instead of IP (netdev_rx_handler_register,
/// net/core/dev.c: a bridge port's br_handle_frame, an Open vSwitch vport's netdev_frame_hook). The handler owns
/// the walk from the call on: it forwards, delivers or drops the packet.
/// </summary>
public interface IRxHandler
{
    void HandleFrame(NetDevice port, ref PacketWalk walk);

    /// <summary>
    /// Which MAC answers ARP for <paramref name="address"/> from behind <paramref name="port"/>, asked by
    /// <paramref name="asker"/>: stations this handler reaches beyond the port's own link (an overlay's remote
    /// pods, whose ARP replies come back through the tunnel). None unless the handler says so.
    /// </summary>
    Addressing.MacAddress? ResolveBeyond(NetDevice port, Addressing.Ipv4Address address, Addressing.MacAddress asker) => null;
}

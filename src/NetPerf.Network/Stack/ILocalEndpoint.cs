namespace NetPerf.Network.Stack;

/// <summary>
/// What a packet for a local address is delivered to, by protocol and port: a socket, or a tunnel's receive
/// side (the vxlan device's UDP socket on port 8472, the ipip handler for protocol 4).
/// </summary>
public interface ILocalEndpoint
{
    void Deliver(ref PacketWalk walk);
}

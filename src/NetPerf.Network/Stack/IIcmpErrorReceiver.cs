namespace NetPerf.Network.Stack;

/// <summary>
/// A socket that wants the ICMP errors about what it sent (the kernel's err_handler: tcp_v4_err, udp_err): the
/// walk's packet is the error, <see cref="Packets.Packet.IcmpQuotedFlow"/> the flow it quotes (as this socket sent
/// it, NAT undone), and the receiver owns it. The namespace has already learned the path MTU it carries.
/// </summary>
public interface IIcmpErrorReceiver
{
    void DeliverIcmpError(ref PacketWalk walk);
}

using NetPerf.Network.Addressing;
using NetPerf.Network.Packets;

namespace NetPerf.Network.Stack;

/// <summary>
/// A cgroup sock_addr BPF program on a host's root cgroup (BPF_PROG_TYPE_CGROUP_SOCK_ADDR, attach type
/// BPF_CGROUP_INET4_CONNECT, and for UDP BPF_CGROUP_UDP4_SENDMSG and BPF_CGROUP_UDP4_RECVMSG), so every process of the host, in whatever network namespace, runs it: the kernel
/// calls it from __inet_stream_connect (BPF_CGROUP_RUN_PROG_INET4_CONNECT_LOCK) before tcp_v4_connect routes
/// the socket, and it may rewrite the peer address the application named. The transport charges
/// <see cref="Cpu.KernelStage.BpfSocketLb"/> on the connection's SYN when it did, so the work is where the
/// kernel does it: once per connect(), never per packet. A CNI plugin installs one per node; the transport
/// knows nothing of what it translates.
/// </summary>
public interface ISocketAddressHook
{
    /// <summary>connect4: true when the program rewrote <paramref name="address"/> and <paramref name="port"/> (a Service's to a backend's).</summary>
    bool TryConnect(IpProtocol protocol, ref Ipv4Address address, ref ushort port);

    /// <summary>
    /// sendmsg4 (BPF_CGROUP_UDP4_SENDMSG, run by udp_sendmsg before it routes): true when the program rewrote the
    /// datagram's destination. <see cref="UdpSocket.Send"/> charges <see cref="Cpu.KernelStage.BpfSocketLb"/> on
    /// that datagram. An unconnected UDP socket runs it on every datagram.
    /// </summary>
    bool TrySendMessage(UdpSocket socket, ref Ipv4Address address, ref ushort port) => false;

    /// <summary>
    /// recvmsg4 (BPF_CGROUP_UDP4_RECVMSG): true when the program rewrote the source a received datagram is reported
    /// from (a backend's back to the address <paramref name="socket"/> sent to). Charged as
    /// <see cref="Cpu.KernelStage.BpfSocketLbReceive"/> on that datagram.
    /// </summary>
    bool TryReceiveMessage(UdpSocket socket, ref Ipv4Address source, ref ushort sourcePort) => false;
}

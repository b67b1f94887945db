using NetPerf.Network.Addressing;
using NetPerf.Network.Packets;

namespace NetPerf.Network.Stack;

/// <summary>
/// A cgroup sock_addr BPF program on a host's root cgroup (BPF_PROG_TYPE_CGROUP_SOCK_ADDR, attach type
/// BPF_CGROUP_INET4_CONNECT), so every process of the host, in whatever network namespace, runs it: the kernel
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
}

using NetPerf.Engine.Random;
using NetPerf.Network.Addressing;
using NetPerf.Network.Packets;
using NetPerf.Network.Stack;

namespace NetPerf.Kubernetes.Cni.Cilium;

/// <summary>
/// Kube-proxy replacement's socket load balancing (bpf/bpf_sock.c on the node's root cgroup): a TCP connect() to
/// a ClusterIP (cil_sock4_connect) is given a backend's address there and then, so the socket talks to the backend
/// and every packet of the connection carries the backend's address: no per-packet translation, no reverse NAT,
/// no kube-proxy rule. A UDP datagram to a ClusterIP is given a backend at sendmsg (cil_sock4_sendmsg, each datagram
/// its own random draw, as an unconnected socket has no connection to keep one), and the reverse-NAT map keyed by
/// the socket's cookie and the backend (cilium_lb4_reverse_sk) remembers the Service; at recvmsg
/// (cil_sock4_recvmsg) a datagram from that backend is reported from the Service's address, so the application
/// sees the answer come from where it asked.
/// </summary>
internal sealed class CiliumSocketLb(CiliumLoadBalancer loadBalancer, RngStream random) : ISocketAddressHook
{
    private readonly Dictionary<(UdpSocket Socket, uint Backend, ushort Port), (Ipv4Address Address, ushort Port)> _reverse = [];

    public bool TryConnect(IpProtocol protocol, ref Ipv4Address address, ref ushort port)
    {
        if (!loadBalancer.TrySelectRandom(address, port, protocol, random, out var backend, out var backendPort))
        {
            return false;
        }

        address = backend;
        port = backendPort;
        return true;
    }

    public bool TrySendMessage(UdpSocket socket, ref Ipv4Address address, ref ushort port)
    {
        if (!loadBalancer.TrySelectRandom(address, port, IpProtocol.Udp, random, out var backend, out var backendPort))
        {
            return false;
        }

        _reverse[(socket, backend.Value, backendPort)] = (address, port);
        address = backend;
        port = backendPort;
        return true;
    }

    public bool TryReceiveMessage(UdpSocket socket, ref Ipv4Address source, ref ushort sourcePort)
    {
        if (_reverse.Count == 0 || !_reverse.TryGetValue((socket, source.Value, sourcePort), out var frontend))
        {
            return false;
        }

        (source, sourcePort) = frontend;
        return true;
    }
}

using NetPerf.Engine.Random;
using NetPerf.Network.Addressing;
using NetPerf.Network.Packets;
using NetPerf.Network.Stack;

namespace NetPerf.Kubernetes.Cni.Cilium;

/// <summary>
/// Kube-proxy replacement's socket load balancing (bpf/bpf_sock.c cil_sock4_connect on the node's root cgroup):
/// a TCP connect() to a ClusterIP is given a backend's address there and then, so the socket talks to the
/// backend and every packet of the connection carries the backend's address: no per-packet translation, no
/// reverse NAT, no kube-proxy rule. UDP's sendmsg4/recvmsg4 are not modelled: a datagram to a ClusterIP is still
/// translated per packet by cil_from_container (<see cref="CiliumDatapath.TranslateService"/>).
/// </summary>
internal sealed class CiliumSocketLb(CiliumLoadBalancer loadBalancer, RngStream random) : ISocketAddressHook
{
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
}

using NetPerf.Network.Cpu;
using NetPerf.Network.Devices;
using NetPerf.Network.Stack;

namespace NetPerf.Kubernetes.Cni.Cilium;

/// <summary>
/// cil_from_container (bpf/bpf_lxc.c) on a pod's lxc tc ingress: to a pod of this node, delivered to its
/// endpoint (ipv4_local_delivery) whatever the host routing; in tunnel mode to a pod of another node,
/// encapsulated and redirected to cilium_vxlan or cilium_geneve (encap_and_redirect_lxc); with eBPF host routing, anything not for
/// the node itself out of the FIB's device by bpf_redirect_neigh; anything else (legacy host routing, the node
/// itself, the outside world) passed to the host stack. A packet to a ClusterIP is first translated to a backend
/// (<see cref="CiliumDatapath.TranslateService"/>): Cilium load-balances a pod's ClusterIP traffic in BPF with or
/// without kube-proxy, so kube-proxy's rules never see it.
/// </summary>
internal sealed class CiliumFromContainer(CiliumDatapath cilium, CiliumNodeState node) : TcProgram
{
    public override string Name => "cil_from_container";

    public override TcVerdict Run(NetDevice device, ref PacketWalk walk)
    {
        walk.Charge(KernelStage.BpfFromContainer, device);
        if (cilium.TryReverseNodePort(node, device, ref walk, out var reversed))
        {
            return reversed;
        }

        var egress = cilium.TranslateService(node, device, ref walk);
        cilium.TrackEgress(node, device, ref walk, egress);
        var destination = walk.P.VisibleFlow.Destination;
        if (node.Endpoints.TryGetValue(destination.Value, out var local))
        {
            cilium.DeliverToEndpoint(node, local, ref walk);
            return TcVerdict.Redirected;
        }

        var remote = cilium.NodeOfPod(destination);
        if (node.Tunnel is { } tunnel && remote is not null && remote != node.Node)
        {
            walk.P.Ttl--;
            tunnel.TransmitTo(ref walk, remote.Ip, CiliumDatapath.TunnelVni);
            return TcVerdict.Redirected;
        }

        // eBPF host routing: whatever is not for this node itself leaves by the FIB from here (handle_ipv4_from_lxc's
        // fib_redirect_v4), a pod on another node and anything else alike; only the node's own addresses go up its stack.
        if (cilium.HostRouting == CiliumHostRouting.Ebpf && remote != node.Node && !device.Namespace.IsLocal(destination))
        {
            walk.P.Ttl--;
            if (Ipv4.RedirectNeighbour(device.Namespace, ref walk))
            {
                return TcVerdict.Redirected;
            }

            walk.P.Ttl++; // no usable route: the stack decides (and drops)
        }

        return TcVerdict.Ok;
    }
}

/// <summary>
/// cil_from_netdev (bpf/bpf_host.c) on eth0's tc ingress: with kube-proxy replacement first the NodePort's load
/// balancing (<see cref="CiliumDatapath.NodePortIngress"/>); then with eBPF host routing, a packet for a local pod
/// is delivered straight into its namespace (bpf_redirect_peer); otherwise, and for everything else, it goes on
/// to the host stack (in legacy host routing the stack routes pods' packets out of cilium_host).
/// </summary>
internal sealed class CiliumFromNetdev(CiliumDatapath cilium, CiliumNodeState node) : TcProgram
{
    public override string Name => "cil_from_netdev";

    public override TcVerdict Run(NetDevice device, ref PacketWalk walk)
    {
        walk.Charge(KernelStage.BpfFromNetdev, device);
        if (cilium.KubeProxyReplacement && walk.P.Encapsulation.Kind == Network.Packets.EncapsulationKind.None
            && cilium.NodePortIngress(node, device, ref walk) is { } verdict)
        {
            return verdict;
        }

        if (cilium.HostRouting == CiliumHostRouting.Ebpf
            && walk.P.Encapsulation.Kind == Network.Packets.EncapsulationKind.None
            && node.Endpoints.TryGetValue(walk.P.VisibleFlow.Destination.Value, out var local))
        {
            cilium.DeliverToEndpoint(node, local, ref walk);
            return TcVerdict.Redirected;
        }

        return TcVerdict.Ok;
    }
}

/// <summary>
/// cil_from_host (bpf/bpf_host.c) on cilium_host's tc egress: what the host stack routed towards the pod CIDRs.
/// A local pod's packet is delivered to its endpoint; in tunnel mode another node's pod's is encapsulated;
/// an address no endpoint holds is dropped (Cilium's DROP_UNROUTABLE).
/// </summary>
internal sealed class CiliumFromHost(CiliumDatapath cilium, CiliumNodeState node) : TcProgram
{
    public override string Name => "cil_from_host";

    public override TcVerdict Run(NetDevice device, ref PacketWalk walk)
    {
        walk.Charge(KernelStage.BpfFromHost, device);
        var destination = walk.P.VisibleFlow.Destination;
        if (node.Endpoints.TryGetValue(destination.Value, out var local))
        {
            cilium.DeliverToEndpoint(node, local, ref walk);
            return TcVerdict.Redirected;
        }

        if (node.Tunnel is { } tunnel && cilium.NodeOfPod(destination) is { } remote && remote != node.Node)
        {
            tunnel.TransmitTo(ref walk, remote.Ip, CiliumDatapath.TunnelVni);
            return TcVerdict.Redirected;
        }

        return TcVerdict.Shot;
    }
}

/// <summary>cil_from_overlay (bpf/bpf_overlay.c) on cilium_vxlan's or cilium_geneve's tc ingress: a decapsulated packet to its local endpoint.</summary>
internal sealed class CiliumFromOverlay(CiliumDatapath cilium, CiliumNodeState node) : TcProgram
{
    public override string Name => "cil_from_overlay";

    public override TcVerdict Run(NetDevice device, ref PacketWalk walk)
    {
        walk.Charge(KernelStage.BpfFromOverlay, device);
        if (node.Endpoints.TryGetValue(walk.P.VisibleFlow.Destination.Value, out var local))
        {
            cilium.DeliverToEndpoint(node, local, ref walk);
            return TcVerdict.Redirected;
        }

        // Not a pod of this node (its router address, say): to the stack as the host's (bpf_overlay.c's
        // rewrite of the destination MAC to cilium_host's, so the inner frame is not PACKET_OTHERHOST).
        walk.P.DestinationMac = device.Mac;
        return TcVerdict.Ok;
    }
}

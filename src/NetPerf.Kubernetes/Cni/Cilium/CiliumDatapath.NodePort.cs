using NetPerf.Network.Cpu;
using NetPerf.Network.Devices;
using NetPerf.Network.Packets;
using NetPerf.Network.Stack;

namespace NetPerf.Kubernetes.Cni.Cilium;

/// <summary>
/// Kube-proxy replacement's NodePort (and so LoadBalancer, whose balancer sends to the NodePorts) in tc BPF, as
/// bpf/bpf_host.c and bpf/lib/nodeport.h do it on the node's device: nodeport_lb4 at cil_from_netdev picks the
/// backend and rewrites the destination; a backend on this node is delivered as any packet for a local pod; one on
/// another node is forwarded from the tc hook itself (fib_redirect: no netfilter, no ip_forward), with its source
/// rewritten to this node's address (SNAT, so the reply comes back and rev_nodeport_lb4 translates it back) or
/// with the frontend in a DSR option (the reply then leaves the backend's node straight to the client).
/// </summary>
public sealed partial class CiliumDatapath
{
    /// <summary>NODEPORT_PORT_MIN_NAT: the SNAT's ports start above the NodePort range (Cilium keeps the client's port when free).</summary>
    private const ushort SnatPortMin = 32768;

    /// <summary>dsr_opt_v4's size: type, length, port, address.</summary>
    private const int DsrOptionBytes = 8;

    /// <summary>loadBalancer.mode (kube-proxy replacement only).</summary>
    public CiliumLoadBalancerMode LoadBalancerMode { get; set; } = CiliumLoadBalancerMode.Snat;

    /// <summary>loadBalancer.algorithm (kube-proxy replacement only).</summary>
    public CiliumBackendSelection BackendSelection { get; set; } = CiliumBackendSelection.Random;

    /// <summary>maglev.tableSize: M, the slots in each Service's Maglev lookup table.</summary>
    public int MaglevTableSize { get; set; } = CiliumMaglev.DefaultTableSize;

    /// <summary>
    /// nodeport_lb4 and its reverse at cil_from_netdev, under kube-proxy replacement: a backend's reply to a flow this
    /// node SNATed, a DSR packet for a local backend, or a new or known packet to a NodePort. Null: not one of them,
    /// or one that goes on to the program's ordinary delivery (already translated to a local backend).
    /// </summary>
    internal TcVerdict? NodePortIngress(CiliumNodeState node, NetDevice device, ref PacketWalk walk)
    {
        ref var p = ref walk.P;
        var flow = p.Flow;
        if (node.Conntrack.Nat.Count > 0 && node.Conntrack.Nat.TryGetValue(flow, out var client))
        {
            // rev_nodeport_lb4: the SNAT map's reverse entry (snat_v4_rev_nat), then the Service's (lb4_rev_nat).
            walk.Charge(KernelStage.BpfNodePortSnat, device);
            walk.Charge(KernelStage.BpfServiceNat, device);
            p.SetVisibleFlow(client.Reversed);
            return Forward(device, ref walk);
        }

        // A reply whose mapping the LRU reclaimed falls through: snat_v4_rev_nat finds none and returns
        // DROP_NAT_NO_MAPPING for a port at or above the NAT range's min_port, NAT_PUNT_TO_STACK below it (a kept
        // client port can be, see the mapping below); rev_nodeport_lb4 treats both alike ("DROP_NAT_NO_MAPPING is
        // unwanted behavior in a rev-SNAT context"): back to from-netdev's main path with NodePort skipped and up the
        // stack, where it is lost (no socket holds the port). The kernel's answer to the backend, a RST from
        // tcp_v4_send_reset for TCP or ICMP port unreachable for UDP, is not modelled.
        if (p.IpOptionBytes > 0 && p.DsrPort != 0)
        {
            // handle_dsr_v4: the frontend goes into the flow's conntrack entry; the backend's reply gets it as its source.
            walk.Charge(KernelStage.BpfDsr, device);
            Track(node, flow.Reversed, CtScope.NodePortReply, CtEntry.Frontend(p.DsrAddress, p.DsrPort, dsr: true), device, ref walk);
            return null;
        }

        if (_loadBalancer.NodePort(flow.DestinationPort, flow.Protocol) is not { } frontend || !node.Node.Root.IsLocal(flow.Destination))
        {
            return null;
        }

        walk.Charge(KernelStage.BpfNodePort, device);
        if (!node.Conntrack.Lookup(flow, CtScope.Service, CtDirection.Service, TcpFlagsOf(ref walk), out var entry))
        {
            var backends = frontend.BackendsFor(node.Node);
            if (backends.Length == 0)
            {
                return TcVerdict.Shot; // DROP_NO_SERVICE: externalTrafficPolicy Local and no backend here
            }

            CiliumBackend backend;
            if (BackendSelection == CiliumBackendSelection.Maglev)
            {
                walk.Charge(KernelStage.BpfBackendMaglev, device);
                backend = frontend.SelectMaglev(node.Node, flow, MaglevTableSize);
            }
            else
            {
                walk.Charge(KernelStage.BpfBackendRandom, device);
                backend = backends[node.NodePortRandom!.Next(backends.Length)];
            }

            // CT_NEW (a new flow, or one whose entry the LRU reclaimed: lb4_local selects again, so a random
            // selection may send it elsewhere; Maglev's hash picks the same backend).
            Track(node, flow, CtScope.Service, new CtEntry(default, 0, false, NewNodePortFlow(node, flow, backend, device, ref walk)), device, ref walk);
            node.Conntrack.TryGet(flow, CtScope.Service, out entry);
        }

        var state = entry.NodePort;
        if (!state.Dsr && state.Backend.Node != node.Node && !node.Conntrack.Nat.TryGetValue(state.Forwarded, out _))
        {
            // snat_v4_nat finds no mapping for the flow (the NAT map's LRU reclaimed it): a new one, as for a new flow.
            state = NewNodePortFlow(node, flow, state.Backend, device, ref walk);
            Track(node, flow, CtScope.Service, new CtEntry(default, 0, false, state), device, ref walk);
        }

        p.SetVisibleFlow(state.Forwarded);
        if (state.Backend.Node == node.Node)
        {
            return null; // a local backend: delivered as any packet for a local pod
        }

        if (state.Dsr)
        {
            // dsr_set_opt4 sets the option on a TCP connection's SYN only ("for further packets of the same
            // connection a remote node will use a NAT entry"): the backend's node keeps the frontend in the flow's
            // entry from the SYN on, so data segments travel at their own size. UDP carries it on every datagram.
            if (flow.Protocol != IpProtocol.Tcp || (p.Tcp.Flags & TcpFlags.Syn) != 0)
            {
                walk.Charge(KernelStage.BpfDsr, device);
                p.IpOptionBytes = DsrOptionBytes;
                p.DsrAddress = flow.Destination;
                p.DsrPort = flow.DestinationPort;
            }
        }
        else
        {
            walk.Charge(KernelStage.BpfNodePortSnat, device); // snat_v4_nat
        }

        if (node.Tunnel is { } tunnel)
        {
            p.Ttl--;
            tunnel.TransmitTo(ref walk, state.Backend.Node.Ip, TunnelVni);
            return TcVerdict.Redirected;
        }

        return Forward(device, ref walk);
    }

    /// <summary>
    /// At cil_from_container: the reply of a NodePort flow this node delivered to a local backend, or of a DSR flow,
    /// gets the frontend back as its source. A local backend's reply is redirected out by the FIB there and then
    /// (the nodeport reverse path's fib_redirect); a DSR reply goes on as the host routing sends a pod's packet out.
    /// False: not such a reply.
    /// </summary>
    internal bool TryReverseNodePort(CiliumNodeState node, NetDevice device, ref PacketWalk walk, out TcVerdict verdict)
    {
        verdict = TcVerdict.Ok;
        ref var p = ref walk.P;
        if (p.Encapsulation.Kind != EncapsulationKind.None || !node.Conntrack.Lookup(p.Flow, CtScope.NodePortReply, CtDirection.Egress, TcpFlagsOf(ref walk), out var frontend))
        {
            return false;
        }

        walk.Charge(KernelStage.BpfServiceNat, device); // lb4_rev_nat (xlate_dsr_v4 for a DSR flow)
        p.SetVisibleFlow(p.Flow with { Source = frontend.FrontendAddress, SourcePort = frontend.FrontendPort });
        if (!frontend.Dsr || HostRouting == CiliumHostRouting.Ebpf)
        {
            verdict = Forward(device, ref walk) ?? TcVerdict.Ok;
        }

        return true;
    }

    private NodePortFlow NewNodePortFlow(CiliumNodeState node, in FiveTuple flow, CiliumBackend backend, NetDevice device, ref PacketWalk walk)
    {
        var toBackend = flow with { Destination = backend.Address, DestinationPort = backend.Port };
        if (backend.Node == node.Node)
        {
            Track(node, toBackend.Reversed, CtScope.NodePortReply, CtEntry.Frontend(flow.Destination, flow.DestinationPort), device, ref walk);
            return new NodePortFlow(toBackend, backend, Dsr: false);
        }

        bool dsr = LoadBalancerMode == CiliumLoadBalancerMode.Dsr || (LoadBalancerMode == CiliumLoadBalancerMode.Hybrid && flow.Protocol == IpProtocol.Tcp);
        if (dsr)
        {
            return new NodePortFlow(toBackend, backend, Dsr: true);
        }

        // snat_v4_new_mapping: the client's port if no other flow to this backend holds it, else the next free one;
        // it writes the mapping both ways (the reply's tuple to the client's, the flow's forwarded tuple to itself).
        ushort port = flow.SourcePort;
        while (true)
        {
            var forwarded = toBackend with { Source = node.Node.Ip, SourcePort = port };
            if (!node.Conntrack.Nat.TryGetValue(forwarded.Reversed, out var owner) || owner == flow)
            {
                TrackNat(node, forwarded.Reversed, flow, device, ref walk);
                TrackNat(node, forwarded, forwarded, device, ref walk);
                return new NodePortFlow(forwarded, backend, Dsr: false);
            }

            port = port == ushort.MaxValue ? SnatPortMin : (ushort)(port + 1);
        }
    }

    /// <summary>fib_redirect: the FIB's next hop and bpf_redirect_neigh out of its device, the TTL decremented; null when there is no usable route (the stack decides).</summary>
    private static TcVerdict? Forward(NetDevice device, ref PacketWalk walk)
    {
        walk.P.Ttl--;
        if (Ipv4.RedirectNeighbour(device.Namespace, ref walk))
        {
            return TcVerdict.Redirected;
        }

        walk.P.Ttl++;
        return null;
    }
}

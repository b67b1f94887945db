using NetPerf.Kubernetes.Cni.Cilium;
using NetPerf.Kubernetes.Tests.Paths;

namespace NetPerf.Kubernetes.Tests.Cni;

/// <summary>
/// Cilium's datapath as its agent wires a node (Documentation/network/ebpf/lifeofapacket.rst): the exact hops of
/// a datagram and its echo on <see cref="PathCluster"/>'s layout (client lxc000000000001 and web-0
/// lxc000000000002 on node1, web-1 lxc000000000003 on node2) in <see cref="HopTracer"/>'s notation, for each
/// routing mode (native, VXLAN and Geneve tunnels) and host routing, with kube-proxy beside it in each of its modes.
/// </summary>
public class CiliumDatapathTests
{
    private const string Client = "lxc000000000001";
    private const string Web0 = "lxc000000000002";
    private const string Web1 = "lxc000000000003";

    /// <summary>
    /// A pod's packet leaving node a for another node: cil_from_container on its lxc; natively routed, legacy
    /// host routing sends it up the stack (PREROUTING and FORWARD on the lxc, POSTROUTING on eth0), eBPF host
    /// routing straight out of eth0 (bpf_redirect_neigh); in tunnel mode it is encapsulated on cilium_vxlan
    /// or cilium_geneve whatever the host routing, and the outer packet leaves through OUTPUT and POSTROUTING.
    /// </summary>
    private static string[] Leave(int a, string lxc, CiliumRouting routing, CiliumHostRouting host, string note = "") => routing switch
    {
        CiliumRouting.Native when host == CiliumHostRouting.Legacy =>
            [$"node{a}/root/{lxc} from-container{note}", $"node{a}/root/{lxc} PREROUTING", $"node{a}/root/{lxc} FORWARD", $"node{a}/root/eth0 POSTROUTING", $"node{a}/root/eth0 tx"],
        CiliumRouting.Native => [$"node{a}/root/{lxc} from-container{note}", $"node{a}/root/eth0 tx"],
        _ => [$"node{a}/root/{lxc} from-container{note}", .. Encapsulated(a, routing)],
    };

    /// <summary>The tunnel device Cilium's agent creates for the routing mode, and the hop notation of its driver's encapsulation.</summary>
    private static (string Device, string Driver) Tunnel(CiliumRouting routing) => routing switch
    {
        CiliumRouting.Vxlan => ("cilium_vxlan", "vxlan"),
        CiliumRouting.Geneve => ("cilium_geneve", "geneve"),
        _ => throw new ArgumentException($"{routing} does not tunnel", nameof(routing)),
    };

    private static string[] Encapsulated(int a, CiliumRouting routing) =>
        [$"node{a}/root/{Tunnel(routing).Device} {Tunnel(routing).Driver}+", $"node{a}/root/eth0 OUTPUT", $"node{a}/root/eth0 POSTROUTING", $"node{a}/root/eth0 tx"];

    /// <summary>
    /// A packet arriving on node b for its pod: cil_from_netdev on eth0; natively routed, legacy host routing
    /// routes it up the stack and out of cilium_host, whose cil_from_host delivers it to the pod's lxc, which
    /// takes it through veth_xmit and the backlog; eBPF host routing delivers it from eth0 into the pod's
    /// namespace (bpf_redirect_peer: no netfilter, no veth_xmit, no backlog). In tunnel mode the outer packet
    /// is the node's (PREROUTING, INPUT, UDP 8472 or 6081), and cil_from_overlay delivers the inner one.
    /// </summary>
    private static string[] Arrive(int b, string lxc, CiliumRouting routing, CiliumHostRouting host, string note = "")
    {
        string[] wire = [$"node{b}/root/eth0 rx", $"node{b}/root/eth0 from-netdev"];
        string[] deliver = host == CiliumHostRouting.Legacy ? [$"node{b}/root/{lxc} to-container{note}", $"node{b}/root/{lxc} veth"] : [$"node{b}/root/{lxc} to-container{note}"];
        return routing switch
        {
            CiliumRouting.Native when host == CiliumHostRouting.Legacy =>
                [.. wire, $"node{b}/root/eth0 PREROUTING", $"node{b}/root/eth0 FORWARD", $"node{b}/root/cilium_host POSTROUTING", $"node{b}/root/cilium_host from-host", .. deliver],
            CiliumRouting.Native => [.. wire, .. deliver],
            _ => [.. wire, .. Decapsulated(b, routing), .. deliver],
        };
    }

    private static string[] Decapsulated(int b, CiliumRouting routing) =>
        [$"node{b}/root/eth0 PREROUTING", $"node{b}/root/eth0 INPUT", $"node{b}/root/{Tunnel(routing).Device} {Tunnel(routing).Driver}-", $"node{b}/root/{Tunnel(routing).Device} from-overlay"];

    /// <summary>Same node: cil_from_container hands the packet to the other endpoint (legacy: its lxc's egress and backlog; eBPF: its namespace).</summary>
    private static string[] Local(string from, string to, CiliumHostRouting host) => host == CiliumHostRouting.Legacy
        ? [$"node1/root/{from} from-container", $"node1/root/{to} to-container", $"node1/root/{to} veth"]
        : [$"node1/root/{from} from-container", $"node1/root/{to} to-container"];

    public static TheoryData<CiliumRouting, CiliumHostRouting, string, string> Paths()
    {
        var data = new TheoryData<CiliumRouting, CiliumHostRouting, string, string>();
        foreach (var routing in Enum.GetValues<CiliumRouting>())
        {
            foreach (var host in Enum.GetValues<CiliumHostRouting>())
            {
                foreach (var path in new[] { "pod-same-node", "pod-cross-node", "headless", "cluster-ip", "node-port" })
                {
                    foreach (var mode in new[] { "iptables", "ipvs", "nftables" })
                    {
                        // eBPF host routing runs only with kube-proxy replacement (the agent falls back without
                        // it): a NodePort is then Cilium's, not kube-proxy's.
                        if (host == CiliumHostRouting.Ebpf && path == "node-port")
                        {
                            continue;
                        }

                        data.Add(routing, host, path, mode);
                    }
                }
            }
        }

        return data;
    }

    /// <summary>
    /// NodePort with kube-proxy beside Cilium (legacy host routing): kube-proxy's DNAT on node1 (PREROUTING; with
    /// IPVS at LOCAL_IN, out again through OUTPUT) and its masquerade to the egress device's address (eth0's when
    /// natively routed; cilium_host's router address in tunnel mode, the route to a remote pod CIDR being via
    /// cilium_host), then Cilium's path to node2; the reply comes back to node1's address and is un-NATed there.
    /// </summary>
    private static (string[] Hops, string ServerHears) NodePort(CiliumRouting routing, string mode)
    {
        bool native = routing == CiliumRouting.Native;
        string outDevice = native ? "eth0" : "cilium_host";
        string snat = native ? " src>192.168.0.1:40000" : " src>10.244.1.1:40000";
        string[] serviceIn = mode == "ipvs"
            ? ["node1/root/eth0 PREROUTING", "node1/root/eth0 INPUT ipvs dst>10.244.2.2:8080", $"node1/root/{outDevice} OUTPUT", $"node1/root/{outDevice} POSTROUTING{snat}"]
            : ["node1/root/eth0 PREROUTING dst>10.244.2.2:8080", "node1/root/eth0 FORWARD", $"node1/root/{outDevice} POSTROUTING{snat}"];
        string[] toNode2 = native ? ["node1/root/eth0 tx"] : ["node1/root/cilium_host from-host", .. Encapsulated(1, routing)];
        string inDevice = native ? "eth0" : Tunnel(routing).Device;
        string[] back = mode == "ipvs"
            ? [$"node1/root/{inDevice} PREROUTING dst>192.168.15.1:40000", $"node1/root/{inDevice} FORWARD ipvs src>192.168.0.1:30080", "node1/root/eth0 POSTROUTING"]
            : [$"node1/root/{inDevice} PREROUTING dst>192.168.15.1:40000", $"node1/root/{inDevice} FORWARD", "node1/root/eth0 POSTROUTING src>192.168.0.1:30080"];
        string[] fromNode2 = native ? ["node1/root/eth0 rx", "node1/root/eth0 from-netdev"] : ["node1/root/eth0 rx", "node1/root/eth0 from-netdev", .. Decapsulated(1, routing)];
        return ([
            "outside/root/eth0 tx", "node1/root/eth0 rx", "node1/root/eth0 from-netdev", .. serviceIn, .. toNode2,
            .. Arrive(2, Web1, routing, CiliumHostRouting.Legacy), "node2/web-1 deliver",
            "node2/web-1/eth0 veth", .. Leave(2, Web1, routing, CiliumHostRouting.Legacy), .. fromNode2, .. back,
            "node1/root/eth0 tx", "outside/root/eth0 rx", "outside/root deliver",
        ], native ? "192.168.0.1:40000" : "10.244.1.1:40000");
    }

    private static (string[] Hops, string ServerHears, string ClientHears) Expected(CiliumRouting routing, CiliumHostRouting host, string path, string mode) => path switch
    {
        "pod-same-node" =>
            ([
                "node1/client/eth0 veth", .. Local(Client, Web0, host), "node1/web-0 deliver",
                "node1/web-0/eth0 veth", .. Local(Web0, Client, host), "node1/client deliver",
            ], "10.244.1.2:40000", "10.244.1.3:8080"),

        "pod-cross-node" or "headless" =>
            ([
                "node1/client/eth0 veth", .. Leave(1, Client, routing, host), .. Arrive(2, Web1, routing, host), "node2/web-1 deliver",
                "node2/web-1/eth0 veth", .. Leave(2, Web1, routing, host), .. Arrive(1, Client, routing, host), "node1/client deliver",
            ], "10.244.1.2:40000", "10.244.2.2:8080"),

        // Cilium load-balances a pod's ClusterIP traffic in tc BPF, kube-proxy or not: cil_from_container rewrites
        // the destination to the backend before routing (so no kube-proxy DNAT at PREROUTING), and the reply's
        // source is rewritten back at the client's endpoint (lb4_rev_nat).
        "cluster-ip" =>
            ([
                "node1/client/eth0 veth", .. Leave(1, Client, routing, host, " dst>10.244.2.2:8080"), .. Arrive(2, Web1, routing, host), "node2/web-1 deliver",
                "node2/web-1/eth0 veth", .. Leave(2, Web1, routing, host), .. Arrive(1, Client, routing, host, " src>10.96.0.20:80"), "node1/client deliver",
            ], "10.244.1.2:40000", "10.96.0.20:80"),

        "node-port" => NodePort(routing, mode) is var (hops, hears) ? (hops, hears, "192.168.0.1:30080") : default,

        _ => throw new ArgumentException(path, nameof(path)),
    };

    [Theory]
    [MemberData(nameof(Paths))]
    public void A_datagram_and_its_reply_take_ciliums_programs_and_the_host_routings_hops(CiliumRouting routing, CiliumHostRouting host, string path, string mode)
    {
        var cluster = new PathCluster(new CiliumDatapath(routing, host), mode, path);
        var trace = cluster.Send();
        var (hops, serverHears, clientHears) = Expected(routing, host, path, mode);

        Assert.Empty(trace.Drops);
        Assert.Equal(hops, trace.Hops);
        var heard = Assert.Single(cluster.Echo.From);
        Assert.Equal(serverHears, $"{heard.Address}:{heard.Port}");
        var answered = Assert.Single(cluster.Answers.From); // the reply carries the address dialled
        Assert.Equal(clientHears, $"{answered.Address}:{answered.Port}");
    }
}

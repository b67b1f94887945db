using NetPerf.Network.Addressing;

namespace NetPerf.Kubernetes.Tests.Paths;

/// <summary>
/// Every path of the architecture table (../shared/ARCHITECTURE.md) x every CNI plugin x every kube-proxy mode:
/// the exact hops one UDP datagram and its echo take (namespace, device, netfilter hook, and what NAT did there;
/// see <see cref="HopTracer"/> for the notation), and that the reply comes back through conntrack or IPVS: its
/// reverse NAT is in the hops, and the client hears it from the address and port it dialled. Layout as in
/// <see cref="PathCluster"/>: client and web-0 on node1, web-1 (the Service's endpoint) on node2.
/// </summary>
public class PathMatrixTests
{
    public static readonly string[] Cnis = ["flannel-vxlan", "flannel-host-gw", "calico-bgp", "calico-ipip"];
    public static readonly string[] Modes = ["iptables", "ipvs", "nftables"];
    public static readonly string[] PathNames = ["localhost", "pod-same-node", "pod-cross-node", "cluster-ip", "node-port", "load-balancer", "headless", "node-to-node", "node-local"];

    public static TheoryData<string, string, string> Matrix()
    {
        var data = new TheoryData<string, string, string>();
        foreach (var path in PathNames)
        {
            foreach (var cni in Cnis)
            {
                foreach (var mode in Modes)
                {
                    data.Add(path, cni, mode);
                }
            }
        }

        return data;
    }

    private const string Client = "10.244.1.2:40000";
    private const string Web1 = "10.244.2.2:8080";
    private const string ClusterIp = "10.96.0.20:80";
    private const string NodePort = "192.168.0.1:30080";
    private const string Outside = "192.168.15.1:40000"; // the host on the switch
    private const string LbClient = "203.0.113.10:40000";
    private const string Vip = "203.0.113.100:80";

    // ---- The plugins' pieces ----

    private static bool Flannel(string cni) => cni.StartsWith("flannel", StringComparison.Ordinal);

    /// <summary>Pods in the order they were created: each one's host-side veth is numbered by it.</summary>
    private static int Index(string pod) => pod switch { "client" => 1, "web-0" => 2, _ => 3 };

    /// <summary>The device a pod's packets enter the root namespace by: the cni0 bridge, or the pod's own cali veth.</summary>
    private static string Ingress(string cni, string pod) => Flannel(cni) ? "cni0" : $"cali{Index(pod):D11}";

    /// <summary>From a pod into its node: the pod's eth0 (a veth), and on flannel the cni0 bridge (FDB).</summary>
    private static string[] Leave(string cni, int node, string pod) =>
        Flannel(cni) ? [$"node{node}/{pod}/eth0 veth", $"node{node}/root/cni0 bridge"] : [$"node{node}/{pod}/eth0 veth"];

    /// <summary>From a node's POSTROUTING into a pod: through cni0 to the pod's veth, or straight out of its cali veth.</summary>
    private static string[] Arrive(string cni, int node, string pod) =>
        Flannel(cni)
            ? [$"node{node}/root/cni0 bridge", $"node{node}/root/veth{Index(pod):D8} veth", $"node{node}/{pod} deliver"]
            : [$"node{node}/root/cali{Index(pod):D11} veth", $"node{node}/{pod} deliver"];

    /// <summary>The device that carries a packet to another node: the VXLAN or IP-in-IP tunnel, or eth0 itself.</summary>
    private static string Tunnel(string cni) => cni switch { "flannel-vxlan" => "flannel.1", "calico-ipip" => "tunl0", _ => "eth0" };

    /// <summary>
    /// Between the sending node's POSTROUTING on <see cref="Tunnel"/> and the receiving node's PREROUTING on it:
    /// the encapsulated packet's own trip (OUTPUT and POSTROUTING on the sender, PREROUTING and INPUT on the
    /// receiver, then decapsulation), or just the wire.
    /// </summary>
    private static string[] Wire(string cni, int a, int b) => cni switch
    {
        "flannel-vxlan" => Tunnelled(a, b, "flannel.1", "vxlan"),
        "calico-ipip" => Tunnelled(a, b, "tunl0", "ipip"),
        _ => [$"node{a}/root/eth0 tx", $"node{b}/root/eth0 rx"],
    };

    private static string[] Tunnelled(int a, int b, string device, string encap) =>
    [
        $"node{a}/root/{device} {encap}+", $"node{a}/root/eth0 OUTPUT", $"node{a}/root/eth0 POSTROUTING", $"node{a}/root/eth0 tx",
        $"node{b}/root/eth0 rx", $"node{b}/root/eth0 PREROUTING", $"node{b}/root/eth0 INPUT", $"node{b}/root/{device} {encap}-",
    ];

    /// <summary>MASQUERADE takes the egress device's address: flannel.1's or tunl0's (the node's first pod address), or eth0's.</summary>
    private static string Masquerade(string cni) => Tunnel(cni) == "eth0" ? "192.168.0.1" : "10.244.1.0";

    // ---- The nodes' hooks ----

    /// <summary>Routed through a node with nothing to translate (or only a conntrack rewrite, given as pre and post).</summary>
    private static string[] Forwarded(int node, string inDevice, string outDevice, string pre = "", string post = "") =>
        [$"node{node}/root/{inDevice} PREROUTING{pre}", $"node{node}/root/{inDevice} FORWARD", $"node{node}/root/{outDevice} POSTROUTING{post}"];

    /// <summary>
    /// A new connection to a Service: DNAT at PREROUTING (iptables rules, nftables map), or with IPVS the
    /// address is local, so IPVS DNATs at LOCAL_IN and the packet leaves again through OUTPUT.
    /// </summary>
    private static string[] ServiceIn(string mode, int node, string inDevice, string outDevice, string dnat, string snat = "")
    {
        string post = snat == "" ? "" : $" src>{snat}";
        return mode == "ipvs"
            ? [$"node{node}/root/{inDevice} PREROUTING", $"node{node}/root/{inDevice} INPUT ipvs dst>{dnat}", $"node{node}/root/{outDevice} OUTPUT", $"node{node}/root/{outDevice} POSTROUTING{post}"]
            : [$"node{node}/root/{inDevice} PREROUTING dst>{dnat}", $"node{node}/root/{inDevice} FORWARD", $"node{node}/root/{outDevice} POSTROUTING{post}"];
    }

    /// <summary>
    /// Its reply: conntrack undoes a masquerade at PREROUTING; the Service address goes back as the source at
    /// POSTROUTING (conntrack) or at FORWARD (IPVS).
    /// </summary>
    private static string[] ServiceBack(string mode, int node, string inDevice, string outDevice, string service, string unmasquerade = "")
    {
        string pre = unmasquerade == "" ? "" : $" dst>{unmasquerade}";
        return mode == "ipvs"
            ? [$"node{node}/root/{inDevice} PREROUTING{pre}", $"node{node}/root/{inDevice} FORWARD ipvs src>{service}", $"node{node}/root/{outDevice} POSTROUTING"]
            : [$"node{node}/root/{inDevice} PREROUTING{pre}", $"node{node}/root/{inDevice} FORWARD", $"node{node}/root/{outDevice} POSTROUTING src>{service}"];
    }

    // ---- The paths ----

    /// <summary>The request's hops and the reply's, and the addresses the server and then the client hear from.</summary>
    private static (string[] There, string[] Back, string ServerHears, string ClientHears) Expected(string path, string cni, string mode)
    {
        string t = Tunnel(cni);
        string client = Ingress(cni, "client"), web1 = Ingress(cni, "web-1");
        return path switch
        {
            // Two containers of one pod: lo in the pod's namespace, which has no netfilter.
            "localhost" => (["node1/client/lo lo", "node1/client deliver"], ["node1/client/lo lo", "node1/client deliver"], "127.0.0.1:40000", "127.0.0.1:8080"),

            // flannel: one L2 hop through cni0, which br_netfilter shows to the root namespace's hooks;
            // calico: routed from cali veth to cali veth by the host's /32 routes.
            "pod-same-node" => Flannel(cni)
                ? (["node1/client/eth0 veth", "node1/root/cni0 bridge", .. Forwarded(1, "cni0", "cni0"), "node1/root/veth00000002 veth", "node1/web-0 deliver"],
                   ["node1/web-0/eth0 veth", "node1/root/cni0 bridge", .. Forwarded(1, "cni0", "cni0"), "node1/root/veth00000001 veth", "node1/client deliver"],
                   Client, "10.244.1.3:8080")
                : (["node1/client/eth0 veth", .. Forwarded(1, client, Ingress(cni, "web-0")), $"node1/root/{Ingress(cni, "web-0")} veth", "node1/web-0 deliver"],
                   ["node1/web-0/eth0 veth", .. Forwarded(1, Ingress(cni, "web-0"), client), $"node1/root/{client} veth", "node1/client deliver"],
                   Client, "10.244.1.3:8080"),

            // The headless Service's DNS answer is web-1's own address: after the lookup, exactly pod to pod.
            "pod-cross-node" or "headless" =>
                ([.. Leave(cni, 1, "client"), .. Forwarded(1, client, t), .. Wire(cni, 1, 2), .. Forwarded(2, t, web1), .. Arrive(cni, 2, "web-1")],
                 [.. Leave(cni, 2, "web-1"), .. Forwarded(2, web1, t), .. Wire(cni, 2, 1), .. Forwarded(1, t, client), .. Arrive(cni, 1, "client")],
                 Client, Web1),

            "cluster-ip" =>
                ([.. Leave(cni, 1, "client"), .. ServiceIn(mode, 1, client, t, Web1), .. Wire(cni, 1, 2), .. Forwarded(2, t, web1), .. Arrive(cni, 2, "web-1")],
                 [.. Leave(cni, 2, "web-1"), .. Forwarded(2, web1, t), .. Wire(cni, 2, 1), .. ServiceBack(mode, 1, t, client, ClusterIp), .. Arrive(cni, 1, "client")],
                 Client, ClusterIp),

            // externalTrafficPolicy Cluster: node1 masquerades the outside client to itself on the way to node2.
            "node-port" =>
                (["outside/root/eth0 tx", "node1/root/eth0 rx", .. ServiceIn(mode, 1, "eth0", t, Web1, $"{Masquerade(cni)}:40000"), .. Wire(cni, 1, 2), .. Forwarded(2, t, web1), .. Arrive(cni, 2, "web-1")],
                 [.. Leave(cni, 2, "web-1"), .. Forwarded(2, web1, t), .. Wire(cni, 2, 1), .. ServiceBack(mode, 1, t, "eth0", NodePort, Outside), "node1/root/eth0 tx", "outside/root/eth0 rx", "outside/root deliver"],
                 $"{Masquerade(cni)}:40000", NodePort),

            // The director (IPVS NAT, VIP on a dummy device) picks node1 first, round robin; then as node-port.
            // The reply goes back to the director, its gateway, whose IPVS puts the VIP back at FORWARD.
            "load-balancer" =>
                (["lb-client/root/eth0 tx", "lb/root/eth1 rx", "lb/root/eth1 PREROUTING", $"lb/root/eth1 INPUT ipvs dst>{NodePort}", "lb/root/eth0 OUTPUT", "lb/root/eth0 POSTROUTING", "lb/root/eth0 tx",
                  "node1/root/eth0 rx", .. ServiceIn(mode, 1, "eth0", t, Web1, $"{Masquerade(cni)}:40000"), .. Wire(cni, 1, 2), .. Forwarded(2, t, web1), .. Arrive(cni, 2, "web-1")],
                 [.. Leave(cni, 2, "web-1"), .. Forwarded(2, web1, t), .. Wire(cni, 2, 1), .. ServiceBack(mode, 1, t, "eth0", NodePort, LbClient), "node1/root/eth0 tx",
                  "lb/root/eth0 rx", "lb/root/eth0 PREROUTING", $"lb/root/eth0 FORWARD ipvs src>{Vip}", "lb/root/eth1 POSTROUTING", "lb/root/eth1 tx", "lb-client/root/eth0 rx", "lb-client/root deliver"],
                 $"{Masquerade(cni)}:40000", Vip),

            // hostNetwork pods on both ends: the nodes' own stacks. A locally generated packet crosses OUTPUT and
            // POSTROUTING (ip_local_out, ip_output), leaves by eth0, and the receiver's PREROUTING and INPUT
            // (ip_rcv, ip_local_deliver) hand it to the socket; whatever the plugin, no veth, bridge or tunnel is
            // on the way, and kube-proxy's rules (walked at OUTPUT and PREROUTING) match nothing here.
            "node-to-node" =>
                (["node1/root/eth0 OUTPUT", "node1/root/eth0 POSTROUTING", "node1/root/eth0 tx", "node2/root/eth0 rx", "node2/root/eth0 PREROUTING", "node2/root/eth0 INPUT", "node2/root deliver"],
                 ["node2/root/eth0 OUTPUT", "node2/root/eth0 POSTROUTING", "node2/root/eth0 tx", "node1/root/eth0 rx", "node1/root/eth0 PREROUTING", "node1/root/eth0 INPUT", "node1/root deliver"],
                 "192.168.0.1:40000", "192.168.0.2:8080"),

            // To the node's own address: the local routing table sends it over lo, and the root namespace's
            // hooks see it on the way out and on the way back in.
            "node-local" =>
                (["node1/root/lo OUTPUT", "node1/root/lo POSTROUTING", "node1/root/lo lo", "node1/root/lo PREROUTING", "node1/root/lo INPUT", "node1/root deliver"],
                 ["node1/root/lo OUTPUT", "node1/root/lo POSTROUTING", "node1/root/lo lo", "node1/root/lo PREROUTING", "node1/root/lo INPUT", "node1/root deliver"],
                 "192.168.0.1:40000", "192.168.0.1:8080"),

            _ => throw new ArgumentException(path, nameof(path)),
        };
    }

    [Theory]
    [MemberData(nameof(Matrix))]
    public void A_datagram_and_its_reply_take_exactly_the_paths_hops(string path, string cni, string mode)
    {
        var cluster = new PathCluster(cni, mode, path);
        var trace = cluster.Send();
        var (there, back, serverHears, clientHears) = Expected(path, cni, mode);

        Assert.Empty(trace.Drops);
        Assert.Equal([.. there, .. back], trace.Hops);
        Assert.Equal(serverHears, Endpoint(Assert.Single(cluster.Echo.From)));
        Assert.Equal(clientHears, Endpoint(Assert.Single(cluster.Answers.From))); // the reply is un-NATed to the address dialled
        if (path == "headless")
        {
            Assert.Equal([Ipv4Address.Parse("10.244.2.2")], cluster.Resolved!); // web-1 itself, no Service IP
        }
    }

    private static string Endpoint((Ipv4Address Address, ushort Port) e) => $"{e.Address}:{e.Port}";
}

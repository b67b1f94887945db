using NetPerf.Calibration.Linux;
using NetPerf.Network.Netfilter;

namespace NetPerf.Calibration.Paths;

/// <summary>
/// A two-node kind cluster built for real from namespaces, exactly as NetPerf's model of it
/// (<see cref="Kubernetes.Fabric.KindNetwork"/>, <see cref="Scenarios.Running.ClusterLayout"/>) and as the plugin
/// would wire it: a namespace standing for the Docker host with its bridge <c>kind</c> (192.168.15.254/20,
/// br_netfilter on, conntrack loaded by a FORWARD rule as Docker's are); node N a namespace with eth0 on that bridge
/// (192.168.0.N/20), ip_forward on, flannel's cni0 bridge (10.244.N.1/24, bridge-nf-call-iptables=1 as Kubernetes
/// requires) and either flannel.1 (VXLAN VNI 1 on UDP 8472, routes <c>10.244.M.0/24 via 10.244.M.0 dev flannel.1
/// onlink</c>, static neighbour and FDB entries as flanneld writes them) or host-gw routes via the other node; pods
/// client and web-0 on node 1, web-1 on node 2, each a namespace on a veth into cni0; kube-proxy's iptables rules
/// for the ClusterIP 10.96.0.20:80 and NodePort 30080 of Service web (endpoint web-1:8080) and flannel's masquerade
/// rules; an outside client on the kind network (192.168.15.1).
/// </summary>
public sealed class KindCluster
{
    public const string ServiceIp = "10.96.0.20";
    public const int ServicePort = 80;
    public const int ServerPort = 8080;
    public const int NodePort = 30080;

    private KindCluster(string cni)
    {
        Cni = cni;
    }

    public string Cni { get; }
    public string Host { get; private init; } = "";
    public string Node1 { get; private init; } = "";
    public string Node2 { get; private init; } = "";
    public string Client { get; private init; } = "";
    public string Web0 { get; private init; } = "";
    public string Web1 { get; private init; } = "";
    public string Outside { get; private init; } = "";

    public static string NodeIp(int n) => $"192.168.0.{n}";

    /// <summary>Builds the cluster for <paramref name="cni"/> (flannel-vxlan or flannel-host-gw) with kube-proxy's rules written by <paramref name="backend"/>.</summary>
    public static KindCluster Build(NamespaceLab lab, string cni, IptablesBackend backend, string tag)
    {
        if (cni is not ("flannel-vxlan" or "flannel-host-gw"))
        {
            throw new CalibrationException($"calibrate builds flannel-vxlan and flannel-host-gw clusters; '{cni}' is not built for real yet (its figures are derived from the fitted stages)");
        }

        bool vxlan = cni == "flannel-vxlan";
        int podMtu = vxlan ? 1450 : 1500;
        var k = new KindCluster(cni)
        {
            Host = lab.Namespace($"{tag}-host"),
            Node1 = lab.Namespace($"{tag}-node1"),
            Node2 = lab.Namespace($"{tag}-node2"),
            Client = lab.Namespace($"{tag}-client"),
            Web0 = lab.Namespace($"{tag}-web0"),
            Web1 = lab.Namespace($"{tag}-web1"),
            Outside = lab.Namespace($"{tag}-outside"),
        };

        lab.Ip(k.Host, "link", "add", "kind", "type", "bridge");
        lab.Ip(k.Host, "addr", "add", "192.168.15.254/20", "dev", "kind");
        lab.Ip(k.Host, "link", "set", "kind", "up");
        lab.Sysctl(k.Host, "net.bridge.bridge-nf-call-iptables", "1");
        lab.IptablesRestore(k.Host, backend, "*filter\n-A FORWARD -m conntrack --ctstate INVALID -j DROP\nCOMMIT\n");

        string[] nodes = [k.Node1, k.Node2];
        for (int n = 1; n <= 2; n++)
        {
            string node = nodes[n - 1];
            lab.Veth(node, "eth0", k.Host, $"vethn{n}");
            lab.Ip(k.Host, "link", "set", $"vethn{n}", "master", "kind");
            lab.Ip(node, "addr", "add", $"{NodeIp(n)}/20", "dev", "eth0");
            lab.Ip(node, "route", "add", "default", "via", "192.168.15.254");
            lab.Sysctl(node, "net.ipv4.ip_forward", "1");
            lab.Ip(node, "link", "add", "cni0", "mtu", $"{podMtu}", "type", "bridge");
            lab.Ip(node, "addr", "add", $"10.244.{n}.1/24", "dev", "cni0");
            lab.Ip(node, "link", "set", "cni0", "up");
            lab.Sysctl(node, "net.bridge.bridge-nf-call-iptables", "1");
            if (vxlan)
            {
                lab.Ip(node, "link", "add", "flannel.1", "type", "vxlan", "id", "1", "dstport", "8472", "local", NodeIp(n), "dev", "eth0", "nolearning");
                lab.Ip(node, "link", "set", "flannel.1", "mtu", "1450", "up");
                lab.Ip(node, "addr", "add", $"10.244.{n}.0/32", "dev", "flannel.1");
            }
        }

        for (int n = 1; n <= 2; n++)
        {
            int m = 3 - n;
            string node = nodes[n - 1], other = nodes[m - 1];
            if (vxlan)
            {
                string mac = lab.Mac(other, "flannel.1");
                lab.Ip(node, "route", "add", $"10.244.{m}.0/24", "via", $"10.244.{m}.0", "dev", "flannel.1", "onlink");
                lab.Ip(node, "neigh", "add", $"10.244.{m}.0", "lladdr", mac, "dev", "flannel.1", "nud", "permanent");
                Command.Run("ip", ["netns", "exec", node, "bridge", "fdb", "append", mac, "dev", "flannel.1", "dst", NodeIp(m)]);
            }
            else
            {
                lab.Ip(node, "route", "add", $"10.244.{m}.0/24", "via", NodeIp(m), "dev", "eth0");
            }

            lab.IptablesRestore(node, backend, KubeProxyRules(n));
        }

        Pod(lab, k.Node1, k.Client, 1, 2, podMtu);
        Pod(lab, k.Node1, k.Web0, 1, 3, podMtu);
        Pod(lab, k.Node2, k.Web1, 2, 2, podMtu);

        lab.Veth(k.Outside, "eth0", k.Host, "vetho");
        lab.Ip(k.Host, "link", "set", "vetho", "master", "kind");
        lab.Ip(k.Outside, "addr", "add", "192.168.15.1/20", "dev", "eth0");
        return k;
    }

    private static void Pod(NamespaceLab lab, string node, string pod, int n, int host, int mtu)
    {
        string hostEnd = $"veth{pod.Split('-')[^1]}";
        lab.Veth(pod, "eth0", node, hostEnd, mtu);
        lab.Ip(node, "link", "set", hostEnd, "master", "cni0");
        lab.Ip(pod, "addr", "add", $"10.244.{n}.{host}/24", "dev", "eth0");
        lab.Ip(pod, "route", "add", "default", "via", $"10.244.{n}.1");
    }

    /// <summary>
    /// kube-proxy's iptables-mode rules for node <paramref name="n"/> (pkg/proxy/iptables/proxier.go, as
    /// <see cref="Kubernetes.Services.KubeProxyIptables"/> builds them): the Service web and kube-dns, their
    /// endpoint chains, the NodePort, the masquerade mark; and flanneld's masquerade rules (FLANNEL-POSTRTG).
    /// </summary>
    internal static string KubeProxyRules(int n) => $"""
        *filter
        :KUBE-SERVICES - [0:0]
        :KUBE-EXTERNAL-SERVICES - [0:0]
        -A INPUT -m conntrack --ctstate NEW -m comment --comment "kubernetes externally-visible service portals" -j KUBE-EXTERNAL-SERVICES
        -A FORWARD -m conntrack --ctstate NEW -m comment --comment "kubernetes service portals" -j KUBE-SERVICES
        -A FORWARD -m conntrack --ctstate NEW -m comment --comment "kubernetes externally-visible service portals" -j KUBE-EXTERNAL-SERVICES
        -A OUTPUT -m conntrack --ctstate NEW -m comment --comment "kubernetes service portals" -j KUBE-SERVICES
        COMMIT
        *nat
        :KUBE-SERVICES - [0:0]
        :KUBE-NODEPORTS - [0:0]
        :KUBE-POSTROUTING - [0:0]
        :KUBE-MARK-MASQ - [0:0]
        :KUBE-SVC-DNS - [0:0]
        :KUBE-SEP-DNS - [0:0]
        :KUBE-SVC-WEB - [0:0]
        :KUBE-SEP-WEB1 - [0:0]
        :KUBE-EXT-WEB - [0:0]
        :FLANNEL-POSTRTG - [0:0]
        -A PREROUTING -m comment --comment "kubernetes service portals" -j KUBE-SERVICES
        -A OUTPUT -m comment --comment "kubernetes service portals" -j KUBE-SERVICES
        -A POSTROUTING -m comment --comment "kubernetes postrouting rules" -j KUBE-POSTROUTING
        -A POSTROUTING -m comment --comment "flanneld masq" -j FLANNEL-POSTRTG
        -A KUBE-POSTROUTING -m mark ! --mark 0x4000/0x4000 -j RETURN
        -A KUBE-POSTROUTING -j MARK --xor-mark 0x4000
        -A KUBE-POSTROUTING -m comment --comment "kubernetes service traffic requiring SNAT" -j MASQUERADE --random-fully
        -A KUBE-MARK-MASQ -j MARK --or-mark 0x4000
        -A KUBE-SERVICES -d 10.96.0.10/32 -p udp -m udp --dport 53 -j KUBE-SVC-DNS
        -A KUBE-SVC-DNS ! -s 10.244.0.0/14 -d 10.96.0.10/32 -p udp -m udp --dport 53 -j KUBE-MARK-MASQ
        -A KUBE-SVC-DNS -j KUBE-SEP-DNS
        -A KUBE-SEP-DNS -s 10.244.2.3/32 -j KUBE-MARK-MASQ
        -A KUBE-SEP-DNS -p udp -m udp -j DNAT --to-destination 10.244.2.3:53
        -A KUBE-SERVICES -d {ServiceIp}/32 -p tcp -m tcp --dport {ServicePort} -j KUBE-SVC-WEB
        -A KUBE-SVC-WEB ! -s 10.244.0.0/14 -d {ServiceIp}/32 -p tcp -m tcp --dport {ServicePort} -j KUBE-MARK-MASQ
        -A KUBE-SVC-WEB -j KUBE-SEP-WEB1
        -A KUBE-SEP-WEB1 -s 10.244.2.2/32 -j KUBE-MARK-MASQ
        -A KUBE-SEP-WEB1 -p tcp -m tcp -j DNAT --to-destination 10.244.2.2:{ServerPort}
        -A KUBE-SERVICES -m addrtype --dst-type LOCAL -j KUBE-NODEPORTS
        -A KUBE-NODEPORTS -p tcp -m tcp --dport {NodePort} -j KUBE-EXT-WEB
        -A KUBE-EXT-WEB -j KUBE-MARK-MASQ
        -A KUBE-EXT-WEB -j KUBE-SVC-WEB
        -A FLANNEL-POSTRTG -m mark --mark 0x4000/0x4000 -j RETURN
        -A FLANNEL-POSTRTG -s 10.244.0.0/14 -d 10.244.0.0/14 -j RETURN
        -A FLANNEL-POSTRTG ! -s 10.244.0.0/14 -d 10.244.{n}.0/24 -j RETURN
        -A FLANNEL-POSTRTG -s 10.244.0.0/14 ! -d 224.0.0.0/4 -j MASQUERADE --random-fully
        -A FLANNEL-POSTRTG ! -s 10.244.0.0/14 -d 10.244.0.0/14 -j MASQUERADE --random-fully
        COMMIT

        """;
}

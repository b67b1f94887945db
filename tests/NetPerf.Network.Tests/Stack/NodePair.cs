using NetPerf.Engine.Time;
using NetPerf.Network.Addressing;
using NetPerf.Network.Cpu;
using NetPerf.Network.Devices;
using NetPerf.Network.Stack;
using NetPerf.Network.Topology;

namespace NetPerf.Network.Tests.Stack;

/// <summary>
/// Two nodes cabled back to back with one pod each (plus extra pods on node 1 when asked), wired by hand the
/// way flannel-vxlan, calico-ipip or calico-bgp wire them: the devices, addresses, routes, neighbours and FDB
/// entries `ip` would show on a real node. (The Kubernetes layer will build these from a cluster description.)
/// </summary>
internal sealed class NodePair
{
    public const long TenGig = 10_000_000_000;
    public static readonly SimTime Propagation = SimTime.FromMicroseconds(1);

    private NodePair(ulong seed = 1) => Bed = new Testbed(new NetPerf.Engine.Scheduling.Simulator(), new NetPerf.Network.Packets.PacketPool(), seed);

    public Testbed Bed { get; }
    public Host[] Nodes { get; } = new Host[3];
    public PhysicalNic[] Eth0 { get; } = new PhysicalNic[3];
    public List<NetworkNamespace> Pods1 { get; } = [];
    public NetworkNamespace Pod2 { get; private set; } = null!;
    public BridgeDevice?[] Cni0 { get; } = new BridgeDevice?[3];

    public static Ipv4Address NodeIp(int n) => Ipv4Address.Parse($"192.168.0.{n}");

    public static Ipv4Address PodIp(int node, int pod) => Ipv4Address.Parse($"10.244.{node}.{pod + 1}");

    /// <summary>
    /// flannel's vxlan backend on two nodes of MTU 1500; <paramref name="podMtu"/> is what cni0, flannel.1 and the
    /// pods' veths get (1450 as flannel sets it; 1500 is the overhead not subtracted).
    /// </summary>
    public static NodePair FlannelVxlan(CostTable costs, int cores = 2, int pods1 = 1, ulong seed = 1, int podMtu = 1450, VxlanDf df = VxlanDf.Unset)
    {
        var pair = new NodePair(seed);
        var vteps = new VxlanDevice[3];
        for (int n = 1; n <= 2; n++)
        {
            var root = pair.AddNode(n, costs, cores);
            var cni0 = new BridgeDevice(root, "cni0", mtu: podMtu);
            root.AddAddress(cni0, $"10.244.{n}.1/24");
            pair.Cni0[n] = cni0;
            vteps[n] = new VxlanDevice(root, "flannel.1", vni: 1, NodeIp(n), mtu: podMtu) { Df = df };
            root.AddAddress(vteps[n], $"10.244.{n}.0/32");
            for (int k = 1; k <= (n == 1 ? pods1 : 1); k++)
            {
                var pod = pair.Nodes[n].CreateNamespace($"pod{n}-{k}");
                var (eth0, hostEnd) = VethDevice.CreatePair(pod, "eth0", root, $"veth{n}-{k}", mtu: podMtu);
                cni0.Enslave(hostEnd);
                pod.AddAddress(eth0, PodIp(n, k), 24);
                pod.AddRoute("0.0.0.0/0", eth0, via: $"10.244.{n}.1");
                pair.AddPod(n, pod);
            }
        }

        for (int n = 1; n <= 2; n++)
        {
            int m = 3 - n;
            var root = pair.Nodes[n].Root;
            // 10.244.M.0/24 via 10.244.M.0 dev flannel.1 onlink; neighbour and FDB entries for the remote VTEP.
            root.AddRoute($"10.244.{m}.0/24", vteps[n], via: $"10.244.{m}.0", onLink: true);
            root.AddNeighbour(Ipv4Address.Parse($"10.244.{m}.0"), vteps[m].Mac);
            vteps[n].AddForwardingEntry(vteps[m].Mac, NodeIp(m));
        }

        pair.Cable();
        return pair;
    }

    /// <summary>Calico IP-in-IP: tunl0 and the pods' veths at <paramref name="podMtu"/> (1480 as Calico sets it on 1500-byte nodes).</summary>
    public static NodePair CalicoIpip(CostTable costs, int cores = 2, int podMtu = 1480) => Calico(costs, cores, ipip: true, podMtu);

    public static NodePair CalicoBgp(CostTable costs, int cores = 2) => Calico(costs, cores, ipip: false, 1500);

    private static NodePair Calico(CostTable costs, int cores, bool ipip, int podMtu)
    {
        var pair = new NodePair();
        var tunnels = new IpipTunnelDevice?[3];
        for (int n = 1; n <= 2; n++)
        {
            var root = pair.AddNode(n, costs, cores);
            root.AddRoute("0.0.0.0/0", pair.Eth0[n], via: "192.168.0.254");
            if (ipip)
            {
                tunnels[n] = new IpipTunnelDevice(root, "tunl0", NodeIp(n), mtu: podMtu);
                root.AddAddress(tunnels[n]!, $"10.244.{n}.64/32");
            }

            var pod = pair.Nodes[n].CreateNamespace($"pod{n}-1");
            var (eth0, cali) = VethDevice.CreatePair(pod, "eth0", root, $"cali{n}", mtu: podMtu);
            cali.ProxyArp = true;
            pod.AddAddress(eth0, PodIp(n, 1), 32);
            // Calico's pod routes: 169.254.1.1 dev eth0 scope link; default via 169.254.1.1 dev eth0.
            pod.AddRoute("169.254.1.1/32", eth0);
            pod.AddRoute("0.0.0.0/0", eth0, via: "169.254.1.1");
            root.AddRoute($"{PodIp(n, 1)}/32", cali);
            pair.AddPod(n, pod);
        }

        for (int n = 1; n <= 2; n++)
        {
            int m = 3 - n;
            var root = pair.Nodes[n].Root;
            if (ipip)
            {
                root.AddRoute($"10.244.{m}.0/26", tunnels[n]!, via: NodeIp(m).ToString(), onLink: true);
            }
            else
            {
                root.AddRoute($"10.244.{m}.0/26", pair.Eth0[n], via: NodeIp(m).ToString());
            }
        }

        pair.Cable();
        return pair;
    }

    private NetworkNamespace AddNode(int n, CostTable costs, int cores)
    {
        var host = new Host(Bed, $"node{n}", costs, cores);
        host.Root.IpForward = true;
        Nodes[n] = host;
        Eth0[n] = new PhysicalNic(host.Root, "eth0");
        host.Root.AddAddress(Eth0[n], NodeIp(n), 24);
        return host.Root;
    }

    private void AddPod(int node, NetworkNamespace pod)
    {
        if (node == 1)
        {
            Pods1.Add(pod);
        }
        else
        {
            Pod2 = pod;
        }
    }

    private void Cable() => PhysicalNic.Connect(Eth0[1], Eth0[2], TenGig, Propagation);
}

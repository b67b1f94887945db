using NetPerf.Engine.Scheduling;
using NetPerf.Kubernetes.Cni;
using NetPerf.Kubernetes.Fabric;
using NetPerf.Network.Addressing;
using NetPerf.Network.Devices;
using NetPerf.Network.Packets;
using NetPerf.Network.Topology;

namespace NetPerf.Kubernetes.Cluster;

/// <summary>
/// A cluster on one L2 switch: node N is 192.168.0.N/20 on eth0 (default route via 192.168.15.254) with pod
/// CIDR 10.244.N.0/24 (flannel's and kubeadm's per-node defaults; nodes past 255 continue into 10.245-10.247),
/// set up by one CNI plugin. Pods are added to a node by name; each gets its own network
/// namespace, shared by its containers. With <see cref="ClusterOptions.Racks"/> above 1 the nodes are spread
/// over racks instead (<see cref="RackFabric"/>; node N is then host K of rack R's /24 in the node subnet,
/// 192.168.R.K/24 in the default, numbered as <see cref="RackAddressing"/> says); pod CIDRs stay as they are.
/// </summary>
public sealed partial class KubernetesCluster
{
    /// <summary>The nodes' subnet unless the scenario widens it: node N is its N-th address (192.168.0.N for the first 254).</summary>
    public const string DefaultNodeSubnet = "192.168.0.0/20";

    /// <summary>The widest and narrowest node subnets: a /16 (65,280 nodes) and a /23 (its first /24 of nodes, its last the outside segment).</summary>
    public const int WidestNodeSubnet = 16;
    public const int NarrowestNodeSubnet = 23;

    /// <summary>The nodes' subnet this cluster was built with (<see cref="ClusterOptions.NodeSubnet"/>).</summary>
    public Ipv4Prefix NodeSubnet => Options.NodeSubnet;

    /// <summary>The nodes' default gateway (the fabric's router; with it Calico's proxy ARP answers for 169.254.1.1): .254 of the node subnet's last /24.</summary>
    public Ipv4Address Gateway => GatewayOf(NodeSubnet);

    public static Ipv4Address GatewayOf(Ipv4Prefix nodeSubnet) => nodeSubnet[nodeSubnet.Size - 2];

    /// <summary>
    /// The pods' range when the scenario names none: node N gets its N-th /24 (10.244.N.0/24 for the first 255), up
    /// to 1,023 nodes. flannel's manifest and kubeadm's examples use 10.244.0.0/16 (255 nodes here); this default
    /// is NetPerf's, four of those, so that clusters up to 1,023 nodes need no setting.
    /// </summary>
    public const string DefaultClusterCidr = "10.244.0.0/14";

    /// <summary>kube-controller-manager's --node-cidr-mask-size default for IPv4 (cmd/kube-controller-manager nodeipam options: 24).</summary>
    public const int DefaultNodeCidrMaskSize = 24;

    /// <summary>
    /// kube-controller-manager's limit on how much longer the node mask may be than the cluster CIDR's
    /// (pkg/controller/nodeipam/ipam/cidrset: clusterSubnetMaxDiff = 16).
    /// </summary>
    public const int MaxNodeMaskDiff = 16;

    /// <summary>The longest node mask any plugin here takes: host-local's /30 (network, gateway, one pod, broadcast; <see cref="Cni.CniPluginKind.LongestNodeMask"/>).</summary>
    public const int LongestNodeMask = 30;

    /// <summary>The pods' range this cluster was built with (<see cref="ClusterOptions.ClusterCidr"/>).</summary>
    public Ipv4Prefix ClusterCidr => Options.ClusterCidr;

    /// <summary>
    /// The pods' addresses as kube-proxy's --cluster-cidr names them (what its masquerade rules test): the plugin's
    /// own range where its IPAM has one (Weave's 10.32.0.0/12), otherwise <see cref="ClusterCidr"/>.
    /// </summary>
    public Ipv4Prefix PodNetwork => Cni.Kind.PodNetwork ?? ClusterCidr;

    /// <summary>External hosts are numbered from here in the node subnet: .1 of its last /24 (192.168.15.1 on in the default).</summary>
    private ulong FirstExternal => NodeSubnet.Size - 256 + 1;

    /// <summary>
    /// Nodes a node subnet holds on one switch: node N is its N-th address (192.168.0.1 to 192.168.15.0 in the
    /// default /20), below the outside hosts of its last /24 and the gateway at its .254. A /19 holds 7,936.
    /// </summary>
    public static int MaxNodesOn(Ipv4Prefix nodeSubnet) => (int)(nodeSubnet.Size - 256);

    /// <summary>Nodes the default node subnet holds on one switch (3,840); with racks, 253 a rack (<see cref="RackAddressing"/>).</summary>
    public const int MaxNodes = 15 * 256;

    /// <summary>Nodes the widest node subnet holds: what a scenario's node numbers are read up to.</summary>
    public const int MaxNodesAnySubnet = (1 << (32 - WidestNodeSubnet)) - 256;

    /// <summary>
    /// Nodes a cluster CIDR holds with a node mask: 2^(mask - prefix length) ranges, less the first, which node
    /// numbering leaves unused (node N takes the N-th). 10.244.0.0/16 with /24: 256 ranges, 255 nodes.
    /// </summary>
    public static long PodRanges(Ipv4Prefix clusterCidr, int nodeMask) => 1L << Math.Clamp(nodeMask - clusterCidr.Length, 0, 32);

    public static int MaxNodesIn(Ipv4Prefix clusterCidr, int nodeMask) => (int)Math.Min(MaxNodesAnySubnet, PodRanges(clusterCidr, nodeMask) - 1);

    private readonly List<Node> _nodes = [];
    private readonly Dictionary<string, Pod> _pods = [];
    private readonly Dictionary<(string Key, string Value), List<Pod>> _byLabel = [];

    public KubernetesCluster(ClusterOptions options, CniPlugin cni)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(options.Nodes, 1);
        if (options.NodeCidrMaskSize < options.ClusterCidr.Length || options.NodeCidrMaskSize - options.ClusterCidr.Length > MaxNodeMaskDiff || options.NodeCidrMaskSize > cni.Kind.LongestNodeMask)
        {
            throw new ArgumentOutOfRangeException(nameof(options), options.NodeCidrMaskSize, $"a node mask of /{options.NodeCidrMaskSize} in {options.ClusterCidr}: at least the cluster CIDR's length, at most {MaxNodeMaskDiff} longer, and at most /{cni.Kind.LongestNodeMask} for {cni.Kind.Name}.");
        }

        if (options.NodeSubnet.Length < WidestNodeSubnet || options.NodeSubnet.Length > NarrowestNodeSubnet)
        {
            throw new ArgumentOutOfRangeException(nameof(options), options.NodeSubnet, $"a node subnet of /{WidestNodeSubnet} to /{NarrowestNodeSubnet}: its last /24 is the outside segment.");
        }

        int most = Math.Min(MaxNodesIn(options.ClusterCidr, options.NodeCidrMaskSize), MaxNodesOn(options.NodeSubnet));
        if (options.Nodes > most)
        {
            throw new ArgumentOutOfRangeException(nameof(options), options.Nodes, $"at most {most} nodes: {options.ClusterCidr} holds {PodRanges(options.ClusterCidr, options.NodeCidrMaskSize)} /{options.NodeCidrMaskSize} pod ranges (node N takes the N-th) and the node subnet {options.NodeSubnet} {MaxNodesOn(options.NodeSubnet)} nodes.");
        }

        CheckRacks(options);
        if (options.Fabric == ClusterFabric.Kind && options.Racks > 1)
        {
            throw new ArgumentOutOfRangeException(nameof(options), options.Racks, "a kind cluster's nodes are containers on one Docker network: one rack.");
        }

        Options = options;
        Cni = cni;
        Bed = new Testbed(new Simulator(), new PacketPool(), options.Seed);
        if (options.Fabric == ClusterFabric.Kind)
        {
            Kind = new KindNetwork(Bed, options.Costs, options.CoresPerNode, GatewayOf(options.NodeSubnet), options.NodeSubnet.Length, options.NodeMtu, options.BridgeNetfilter);
        }

        if (options.Racks > 1)
        {
            Fabric = new RackFabric(Bed, new RackAddressing(options.NodeSubnet, options.Racks), (long)(options.LinkGigabits * 1e9), options.Propagation, options.InterZoneDelay, options.Spines);
            Switch = Fabric.Tor(1).Switch;
        }
        else
        {
            Switch = new L2Switch(Bed, "tor", (long)(options.LinkGigabits * 1e9), options.Propagation);
        }

        for (int n = 1; n <= options.Nodes; n++)
        {
            _nodes.Add(CreateNode(n));
        }

        cni.ConnectNodes(_nodes);
        foreach (var node in _nodes)
        {
            AnnounceToFabric(node);
        }

        cni.PodRangeAdded += AnnounceToFabric;
    }

    /// <summary>
    /// node N: eth0 on the switch with 192.168.0.N (default route via the fabric's router) and its pod CIDR, set
    /// up by the CNI plugin.
    /// </summary>
    private Node CreateNode(int n)
    {
        var podNet = Options.ClusterCidr;
        int mask = Options.NodeCidrMaskSize;
        var (rack, ip, nodeNet, gateway) = NodeAddressing(n);
        var host = Kind is null ? new Host(Bed, $"node{n}", Options.Costs, Options.CoresPerNode) : new Host(Bed, $"node{n}", Options.Costs, Kind.Host.Cores);
        host.IptablesBackend = Options.Iptables;
        NetDevice eth0;
        if (Kind is not null)
        {
            eth0 = Kind.Connect(host.Root, Options.NodeMtu);
        }
        else
        {
            var nic = new PhysicalNic(host.Root, "eth0", Options.NodeMtu);
            if (Fabric is null)
            {
                Switch.Connect(nic);
            }
            else
            {
                Fabric.Connect(nic, rack);
            }

            eth0 = nic;
        }

        host.Root.AddAddress(eth0, ip, nodeNet.Length);
        host.Root.AddRoute("0.0.0.0/0", eth0, via: gateway.ToString()); // the fabric's router, towards outside the cluster (or the rack)

        var node = new Node(n, host, eth0, ip, new Ipv4Prefix(podNet[(ulong)n << (32 - mask)], mask)) { Rack = rack, Subnet = nodeNet, Gateway = gateway, ClusterCidr = podNet };
        Cni.SetUpNode(node);
        return node;
    }

    /// <summary>A node joined (<see cref="AddNode"/>): control planes such as BGP start their part on it.</summary>
    public event Action<Node>? NodeAdded;

    /// <summary>A node failed hard (<see cref="FailNode"/>): its processes are gone with it.</summary>
    public event Action<Node>? NodeFailed;

    /// <summary>
    /// A node joins the running cluster, now: the next number, cabled to the switch, set up by the CNI plugin and
    /// connected to the others as its agents would connect it (with Calico over BGP, by the BGP control plane).
    /// </summary>
    public Node AddNode()
    {
        int podRanges = Math.Min(MaxNodesIn(Options.ClusterCidr, Options.NodeCidrMaskSize), MaxNodesOn(NodeSubnet));
        if (_nodes.Count >= podRanges)
        {
            throw new InvalidOperationException($"at most {podRanges} nodes: {Options.ClusterCidr} holds {PodRanges(Options.ClusterCidr, Options.NodeCidrMaskSize)} /{Options.NodeCidrMaskSize} pod ranges (node N takes the N-th).");
        }

        if (Fabric is not null && _nodes.Count >= Fabric.Addressing.MaxNodes)
        {
            throw new InvalidOperationException($"at most {Fabric.Addressing.MaxNodes} nodes on {Options.Racks} racks of {RackAddressing.NodesPerRack}.");
        }

        var node = CreateNode(_nodes.Count + 1);
        _nodes.Add(node);
        Cni.JoinNode(node, _nodes);
        AnnounceToFabric(node);
        NodeAdded?.Invoke(node);
        return node;
    }

    /// <summary>
    /// Node <paramref name="n"/> fails hard, now (power lost): its NIC loses carrier, so nothing leaves or reaches
    /// it, and its processes stop. No FIN, no NOTIFICATION: the other nodes learn only from silence.
    /// </summary>
    public void FailNode(int n)
    {
        var node = Node(n);
        if (node.Failed)
        {
            return;
        }

        node.Failed = true;
        switch (node.Eth0)
        {
            case PhysicalNic nic:
                nic.CarrierUp = false;
                break;
            case VethDevice veth:
                veth.CarrierUp = false; // the container is gone: its end of the veth pair with it
                break;
        }
        NodeFailed?.Invoke(node);
    }

    /// <summary>A node may take new pods again (<see cref="Uncordon"/>), now: the scheduler retries the pods it left Pending.</summary>
    public event Action<Node>? NodeSchedulable;

    /// <summary>
    /// kubectl uncordon, now: spec.unschedulable false. kube-scheduler moves the pods it left Pending back to be
    /// tried again on such a node update (the NodeUnschedulable plugin's EventsToRegister, whose
    /// isSchedulableAfterNodeChange queues a pod when a node's spec.unschedulable goes from true to false;
    /// pkg/scheduler/framework/plugins/nodeunschedulable/node_unschedulable.go). A pod that failed longer ago than
    /// its backoff (DefaultPodInitialBackoffDuration 1 s, doubling to DefaultPodMaxBackoffDuration 10 s;
    /// pkg/scheduler/backend/queue/scheduling_queue.go) goes straight to the active queue, so it is placed at
    /// once here; one that failed within its backoff would wait out the rest, not modelled.
    /// </summary>
    public void Uncordon(int n)
    {
        var node = Node(n);
        if (!node.Unschedulable)
        {
            return;
        }

        node.Unschedulable = false;
        if (node.Schedulable)
        {
            NodeSchedulable?.Invoke(node);
        }
    }

    public ClusterOptions Options { get; }
    public CniPlugin Cni { get; }
    public Testbed Bed { get; }
    /// <summary>The switch every node is cabled to; with racks, rack 1's (its top-of-rack router's switching).</summary>
    public L2Switch Switch { get; }

    /// <summary>The Docker network of a kind cluster (<see cref="ClusterFabric.Kind"/>); null on physical NICs.</summary>
    public KindNetwork? Kind { get; }

    /// <summary>The racks, their top-of-rack routers and the spine; null on a single switch (one rack).</summary>
    public RackFabric? Fabric { get; }
    public IReadOnlyList<Node> Nodes => _nodes;
    public IReadOnlyCollection<Pod> Pods => _pods.Values;

    private int _externals;

    /// <summary>
    /// A machine outside the cluster on the same switch (.1 onwards of the node subnet's last /24, 192.168.15.1 in
    /// the default): the client of a NodePort, as a user or a load balancer in front of the nodes would be. With
    /// racks it keeps that address, on the spine's outside segment (that /24, default route via the spine at .254).
    /// </summary>
    public Host AddExternalHost(string name)
    {
        if (_externals >= 250)
        {
            throw new InvalidOperationException($"at most 250 external hosts: {NodeSubnet[FirstExternal]} to .250.");
        }

        var ip = NodeSubnet[FirstExternal + (ulong)_externals++];
        if (Kind is not null)
        {
            // Another container on the kind network (what `docker run --network kind` gives): the host's cores too.
            var container = new Host(Bed, name, Options.Costs, Kind.Host.Cores);
            var veth = Kind.Connect(container.Root, Options.NodeMtu);
            container.Root.AddAddress(veth, ip, NodeSubnet.Length);
            return container;
        }

        var host = new Host(Bed, name, Options.Costs, Options.CoresPerNode);
        var eth0 = new PhysicalNic(host.Root, "eth0", Options.NodeMtu);
        if (Fabric is null)
        {
            host.Root.AddAddress(eth0, ip, NodeSubnet.Length);
            Switch.Connect(eth0);
            return host;
        }

        // With racks, the same address on the spine's outside segment (the node subnet's last /24), routed to the racks through the spine.
        var outside = Fabric.Addressing.OutsideSubnet;
        host.Root.AddAddress(eth0, ip, outside.Length);
        host.Root.AddRoute("0.0.0.0/0", eth0, via: outside[254].ToString());
        Fabric.Spine.Outside.Connect(eth0);
        return host;
    }

    /// <summary>The single switch's routed edge, once <see cref="AddRemoteHost"/> built it.</summary>
    public EdgeUplink? Edge { get; private set; }

    /// <summary>
    /// A machine beyond the cluster's edge, reached through the nodes' default route: on one switch, behind the
    /// switch's routed uplink (<see cref="EdgeUplink"/>, 198.51.100.10); with racks, on the spine's outside segment
    /// (through the rack's ToR and the spine); on kind, another container on the kind network, reached on-link
    /// (what <c>docker run --network kind</c> gives: the Docker host's own uplink is not built). One a cluster:
    /// asked again, the same host.
    /// </summary>
    public Host AddRemoteHost(string name)
    {
        if (Kind is not null || Fabric is not null)
        {
            return _remote ??= AddExternalHost(name);
        }

        if (_remote is not null)
        {
            return _remote;
        }

        Edge = new EdgeUplink(Switch, Gateway, NodeSubnet.Length);
        var host = new Host(Bed, name, Options.Costs, Options.CoresPerNode);
        Edge.Connect(new PhysicalNic(host.Root, "eth0", Options.NodeMtu));
        return _remote = host;
    }

    private Host? _remote;

    /// <summary>Node <paramref name="n"/>, 1-based.</summary>
    public Node Node(int n) => n >= 1 && n <= _nodes.Count
        ? _nodes[n - 1]
        : throw new ArgumentOutOfRangeException(nameof(n), n, $"the cluster has nodes 1 to {_nodes.Count}.");

    /// <summary>The pods carrying label <paramref name="key"/>=<paramref name="value"/> (an index, as the API server's label selectors use).</summary>
    public IReadOnlyList<Pod> PodsWithLabel(string key, string value) => _byLabel.TryGetValue((key, value), out var list) ? list : [];

    public Pod Pod(string name) => _pods.TryGetValue(name, out var pod) ? pod : throw new KeyNotFoundException($"no pod named '{name}'.");

    /// <summary>Schedules a pod on node <paramref name="node"/>: a namespace, an address from the node's range, the plugin's wiring.</summary>
    public Pod AddPod(string name, int node, IReadOnlyDictionary<string, string>? labels = null, bool ready = true)
    {
        if (_pods.ContainsKey(name))
        {
            throw new ArgumentException($"a pod named '{name}' already exists.", nameof(name));
        }

        var n = Node(node);
        var ns = n.Host.CreateNamespace(name);
        var ip = Cni.PodAddress(n, n.Pods.Count(p => !p.HostNetwork) + 1); // hostNetwork pods take no address
        var eth0 = Cni.AddPod(n, ns, ip, Cni.HostEndName(_pods.Count + 1));
        var pod = new Pod(name, n, ns, ip, eth0, labels ?? new Dictionary<string, string>()) { Ready = ready };
        n.Add(pod);
        _pods.Add(name, pod);
        foreach (var label in pod.Labels)
        {
            if (!_byLabel.TryGetValue((label.Key, label.Value), out var list))
            {
                _byLabel[(label.Key, label.Value)] = list = [];
            }

            list.Add(pod);
        }

        PodAdded?.Invoke(pod);
        return pod;
    }
}

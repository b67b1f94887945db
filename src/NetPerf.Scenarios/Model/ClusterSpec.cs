using NetPerf.Engine.Time;
using NetPerf.Network.Addressing;

namespace NetPerf.Scenarios.Model;

/// <summary>The cluster a scenario builds: nodes, their NICs and wiring, the CNI plugin and kube-proxy's mode.</summary>
public sealed record ClusterSpec
{
    public int Nodes { get; init; } = 2;

    /// <summary>Racks behind top-of-rack routers (node N in rack ((N-1) mod racks) + 1), a /24 of <see cref="NodeSubnet"/> each; 1 is one L2 switch.</summary>
    public int Racks { get; init; } = 1;

    /// <summary>Spines joining the racks' ToRs (a leaf-spine fabric), flows between racks spread over them by ECMP.</summary>
    public int Spines { get; init; } = 1;
    public int CoresPerNode { get; init; } = 4;

    /// <summary>The kubelet's --max-pods on every node (its default, 110: pkg/kubelet/apis/config/v1beta1 defaults.go).</summary>
    public int MaxPods { get; init; } = Kubernetes.Scheduling.NodeAllocatable.KubeletMaxPods;

    /// <summary>
    /// The kubelet's --pods-per-core: a node runs min(podsPerCore x cores, maxPods) pods (pkg/kubelet/nodestatus
    /// setters.go). 10, as issue 12 asks ("pods per node min(110, 10 x cores)"); the kubelet's own default is 0, no bound.
    /// </summary>
    public int PodsPerCore { get; init; } = 10;

    /// <summary>
    /// Zones the nodes are in: node N in zone-((N-1) mod zones + 1), its topology.kubernetes.io/zone label (with
    /// racks, the same modulus puts a zone's nodes in the same racks when zones = racks). 0: no zone label.
    /// </summary>
    public int Zones { get; init; }

    /// <summary>
    /// One-way delay between two zones, on top of the cables' (cluster.interZoneDelay; each zone its own rack, half
    /// of it on each rack's uplink to the spine). 0 by default: /work/shared/reference/measurements.md has no
    /// inter-zone figure, so zones cost nothing until a scenario sets its provider's (a measured inter-zone round
    /// trip, halved).
    /// </summary>
    public SimTime InterZoneDelay { get; init; }

    /// <summary>Each node's memory in GiB; null: <see cref="DefaultGiBPerCore"/> per core.</summary>
    public double? MemoryGiBPerNode { get; init; }

    /// <summary>Derived default: 4 GiB per core (the general-purpose instance ratio, e.g. AWS m5/m6i, GCP n2-standard).</summary>
    public const double DefaultGiBPerCore = 4;

    /// <summary>Each node's memory in GiB: cluster.memoryGiBPerNode, else <see cref="DefaultGiBPerCore"/> per core. The scheduler's allocatable and Cilium's map sizes read it.</summary>
    public double NodeMemoryGiB => MemoryGiBPerNode ?? DefaultGiBPerCore * CoresPerNode;

    /// <summary>Labels a node carries besides kubernetes.io/hostname and its zone, by node number.</summary>
    public IReadOnlyDictionary<int, IReadOnlyDictionary<string, string>> NodeLabels { get; init; } = new Dictionary<int, IReadOnlyDictionary<string, string>>();

    /// <summary>Taints by node number.</summary>
    public IReadOnlyDictionary<int, IReadOnlyList<Kubernetes.Scheduling.Taint>> NodeTaints { get; init; } = new Dictionary<int, IReadOnlyList<Kubernetes.Scheduling.Taint>>();

    /// <summary>Pods a node runs: the kubelet's status.capacity.pods.</summary>
    public int PodsPerNode => Kubernetes.Scheduling.NodeAllocatable.PodsFor(CoresPerNode, PodsPerCore, MaxPods);

    /// <summary>Physical NICs on a switch, or kind's node containers on one host's bridge (coresPerNode is then the host's cores, shared by every node).</summary>
    public Kubernetes.Cluster.ClusterFabric Fabric { get; init; } = Kubernetes.Cluster.ClusterFabric.Switch;

    /// <summary>
    /// cluster.calico.routeReflectors: how the BGP-routed Calico variants' BIRD speakers peer (the node-to-node mesh
    /// unless reflectors are given). The routes the cluster installs are the same either way (a reflector keeps the
    /// originator as next hop); the sessions, and validation's limit on the mesh, differ.
    /// </summary>
    public Kubernetes.Bgp.BgpPeering BgpPeering { get; init; } = Kubernetes.Bgp.BgpPeering.Mesh;

    /// <summary>cluster.cilium: the options of every Cilium variant.</summary>
    public CiliumSpec Cilium { get; init; } = new();

    /// <summary>On kind: br_netfilter on the host's bridge (Docker's default).</summary>
    public bool BridgeNetfilter { get; init; } = true;

    /// <summary>The iptables backend on every node (kube-proxy's iptables mode, flannel's rules): iptables-nft unless legacy is asked for.</summary>
    public Network.Netfilter.IptablesBackend Iptables { get; init; } = Network.Netfilter.IptablesBackend.Nft;

    /// <summary>
    /// cluster.tcpPacing: internal when the nodes' TCP paces itself with a timer per packet (Linux, when the
    /// congestion control asks for pacing, BBR, and the qdisc is not fq); off (CUBIC, Linux's default) otherwise.
    /// </summary>
    public bool TcpInternalPacing { get; init; }
    public Kubernetes.Cni.CniPluginKind Cni { get; init; } = Kubernetes.Cni.FlannelVxlan.Descriptor;
    public Kubernetes.Services.KubeProxyMode KubeProxy { get; init; } = Kubernetes.Services.KubeProxyMode.Iptables;
    public int Mtu { get; init; } = 1500;

    /// <summary>cluster.podMtu: the CNI plugin's MTU setting (auto: the node's less the plugin's overhead).</summary>
    public PodMtuSetting PodMtu { get; init; } = PodMtuSetting.Auto;

    /// <summary>cluster.vxlanDf: the outer DF of the plugin's VXLAN devices (unset, the kernel's default).</summary>
    public Network.Devices.VxlanDf VxlanDf { get; init; }

    /// <summary>cluster.icmpFragmentationNeeded: passed by the nodes, or dropped by a firewall on them.</summary>
    public IcmpFragmentationNeeded IcmpFragmentationNeeded { get; init; }

    /// <summary>cluster.staleUdpConntrack: kube-proxy's clean-up of UDP flows to removed endpoints (cleared), or none (kept).</summary>
    public StaleUdpConntrack StaleUdpConntrack { get; init; }

    /// <summary>
    /// cluster.masqueradePorts: the plugin's masquerade rules without --random-fully (keep-source, the default: the
    /// rule as iptables before 1.6.2 writes it, and as NetPerf's rules were before the option) or with it.
    /// </summary>
    public Network.Netfilter.NatPortSelection MasqueradePorts { get; init; }
    public double NicGigabits { get; init; } = 10;

    /// <summary>TSO, GSO, GRO and tunnel segmentation on (as on real NICs) or all off.</summary>
    public bool Offloads { get; init; } = true;

    /// <summary>Propagation delay of each cable to the switch.</summary>
    public SimTime LinkDelay { get; init; } = SimTime.FromMicroseconds(1);

    /// <summary>
    /// net.netfilter.nf_conntrack_max on every node; null: as kube-proxy sets it, max(32768 x cores, 131072)
    /// (its --conntrack-max-per-core and --conntrack-min defaults).
    /// </summary>
    public int? ConntrackMax { get; init; }

    /// <summary>
    /// kube-proxy's --iptables-min-sync-period (and nftables'/IPVS' own): at most two syncs in a burst, then one per
    /// period, when a timeline changes endpoints.
    /// </summary>
    public Engine.Time.SimTime MinSyncPeriod { get; init; } = Kubernetes.Services.KubeProxySync.DefaultMinSyncPeriod;

    /// <summary>kube-controller-manager's --node-monitor-grace-period: how long a failed node's pods stay Ready endpoints (50 s).</summary>
    public Engine.Time.SimTime NodeMonitorGracePeriod { get; init; } = Kubernetes.Controllers.NodeLifecycleController.DefaultGracePeriod;

    /// <summary>kube-apiserver's --default-unreachable-toleration-seconds: from the unreachable taint to the pods' eviction (300 s).</summary>
    public Engine.Time.SimTime DefaultUnreachableTolerationSeconds { get; init; } = Kubernetes.Controllers.NodeLifecycleController.DefaultTolerationSeconds;

    /// <summary>The nodes' kernel line (cluster.kernel): the modelled 6.18 unless an older line is asked for.</summary>
    public KernelLine Kernel { get; init; } = KernelLine.Linux6_18;

    /// <summary>
    /// CoreDNS pods behind kube-dns (cluster.coreDnsReplicas): 1, as this model has always run; kubeadm's
    /// Deployment has 2. Replica k goes on node ((k + 1) mod nodes) + 1: the first on node 2.
    /// </summary>
    public int CoreDnsReplicas { get; init; } = 1;

    /// <summary>How the pods' resolvers send A and AAAA (cluster.resolver: their dnsConfig options).</summary>
    public Kubernetes.Dns.ResolverQueries Resolver { get; init; } = Kubernetes.Dns.ResolverQueries.Parallel;

    /// <summary>
    /// NodeLocal DNSCache (cluster.nodeLocalDns): a caching CoreDNS on every node in the host's network at the
    /// link-local 169.254.20.10, the pods' nameserver, so their queries are not DNATed.
    /// </summary>
    public bool NodeLocalDns { get; init; }

    /// <summary>Conntrack timeouts on every node: kube-proxy's (established 24h, close-wait 1h) over the kernel's, with the scenario's changes.</summary>
    public Network.Netfilter.ConntrackTimeouts ConntrackTimeouts { get; init; } = Network.Netfilter.ConntrackTimeouts.KubeProxy;

    /// <summary>Where ClusterIPs come from (kube-apiserver's --service-cluster-ip-range; 10.96.0.0/12 is kubeadm's default).</summary>
    public Ipv4Prefix ServiceCidr { get; init; } = Ipv4Prefix.Parse("10.96.0.0/12");

    /// <summary>Where pod ranges come from (kube-controller-manager's --cluster-cidr; NetPerf's default <see cref="Kubernetes.Cluster.KubernetesCluster.DefaultClusterCidr"/>).</summary>
    public Ipv4Prefix ClusterCidr { get; init; } = Ipv4Prefix.Parse(Kubernetes.Cluster.KubernetesCluster.DefaultClusterCidr);

    /// <summary>Each node's pod range's length (kube-controller-manager's --node-cidr-mask-size, default 24).</summary>
    public int NodeCidrMaskSize { get; init; } = Kubernetes.Cluster.KubernetesCluster.DefaultNodeCidrMaskSize;

    /// <summary>
    /// The nodes' subnet (on one switch node N is its N-th address, its last /24 the outside segment; with racks the
    /// fabric is numbered in it, <see cref="Kubernetes.Fabric.RackAddressing"/>):
    /// <see cref="Kubernetes.Cluster.KubernetesCluster.DefaultNodeSubnet"/>, 3,840 nodes, unless the scenario widens it.
    /// </summary>
    public Ipv4Prefix NodeSubnet { get; init; } = Ipv4Prefix.Parse(Kubernetes.Cluster.KubernetesCluster.DefaultNodeSubnet);
}

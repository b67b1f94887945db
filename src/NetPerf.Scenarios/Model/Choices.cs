namespace NetPerf.Scenarios.Model;

/// <summary>The words a scenario may use for plugins and modes, in one place for the reader, the schema and the runner.</summary>
public static class Choices
{
    public static readonly IReadOnlyList<string> Cni = Kubernetes.Cni.CniPlugins.Names;
    public static readonly IReadOnlyList<string> KubeProxy = Kubernetes.Services.KubeProxyMode.Names;
    public static readonly IReadOnlyList<string> ServiceTypes = Enum.GetNames<ServiceType>();
    public static readonly IReadOnlyList<string> TrafficPolicies = ["Cluster", "Local"];
    public static readonly IReadOnlyList<string> Fabrics = ["switch", "kind"];
    public static readonly IReadOnlyList<string> IptablesBackends = ["nft", "legacy"];

    /// <summary>cluster.tcpPacing: whether the nodes' TCP paces itself with a timer (BBR without fq) or not (CUBIC).</summary>
    public static readonly IReadOnlyList<string> TcpPacing = ["off", "internal"];
    public static readonly IReadOnlyList<string> CostProfiles = Network.Cpu.CostTable.Profiles;
    public static readonly IReadOnlyList<string> Offloads = ["all", "none"];
    public static readonly IReadOnlyList<string> Distributions = ["fixed", "exponential"];

    /// <summary>An open-loop workload's arrivals (<see cref="Workloads.Arrivals"/>).</summary>
    public static readonly IReadOnlyList<string> Arrivals = ["poisson", "constant"];

    /// <summary>A workload's placement: client on the server's node (k8s-netperf's --local) or another (its default), another of its zone, or one of another zone (what --across's help promises).</summary>
    public static readonly IReadOnlyList<string> Placements = ["local", "across", "same-zone", "other-zone"];

    /// <summary>A placement's word in the scenario file (<see cref="Placements"/>, in the enum's order).</summary>
    public static string PlacementName(RoutePlacement p) => Placements[(int)p];

    public static RoutePlacement PlacementOf(string word) => (RoutePlacement)Placements.ToList().IndexOf(word);

    public static readonly IReadOnlyList<string> BgpTopologies = ["full-mesh", "route-reflectors"];
    public static readonly IReadOnlyList<string> Kernels = KernelLine.Names;

    /// <summary>cluster.resolver: glibc's A/AAAA modes, as resolv.conf options name them ("parallel": neither option).</summary>
    public static readonly IReadOnlyList<string> Resolvers = ["parallel", "single-request", "single-request-reopen"];

    public static Kubernetes.Dns.ResolverQueries Resolver(string name) => name switch
    {
        "single-request" => Kubernetes.Dns.ResolverQueries.SingleRequest,
        "single-request-reopen" => Kubernetes.Dns.ResolverQueries.SingleRequestReopen,
        _ => Kubernetes.Dns.ResolverQueries.Parallel,
    };

    public static string Name(Kubernetes.Dns.ResolverQueries q) => Resolvers[(int)q];

    /// <summary>cluster.vxlanDf: as <c>ip link ... type vxlan df</c> names them.</summary>
    public static readonly IReadOnlyList<string> VxlanDf = ["unset", "set", "inherit"];

    public static Network.Devices.VxlanDf VxlanDfOf(string name) => (Network.Devices.VxlanDf)Index(VxlanDf, name);

    /// <summary>cluster.icmpFragmentationNeeded.</summary>
    public static readonly IReadOnlyList<string> IcmpFragmentationNeeded = ["allowed", "filtered"];

    public static IcmpFragmentationNeeded IcmpFragmentationNeededOf(string name) => (IcmpFragmentationNeeded)Index(IcmpFragmentationNeeded, name);

    /// <summary>cluster.staleUdpConntrack.</summary>
    public static readonly IReadOnlyList<string> StaleUdpConntrack = ["cleared", "kept"];

    public static StaleUdpConntrack StaleUdpConntrackOf(string name) => (StaleUdpConntrack)Index(StaleUdpConntrack, name);

    /// <summary>cluster.masqueradePorts: the masquerade rules without --random-fully, or with it.</summary>
    public static readonly IReadOnlyList<string> MasqueradePorts = ["keep-source", "random-fully"];

    public static Network.Netfilter.NatPortSelection MasqueradePortsOf(string name) => (Network.Netfilter.NatPortSelection)Index(MasqueradePorts, name);

    /// <summary>A scenario Service's protocol, as a Service port's <c>protocol</c> spells it (SCTP is not modelled).</summary>
    public static readonly IReadOnlyList<string> ServiceProtocols = ["TCP", "UDP"];

    public static Network.Packets.IpProtocol ServiceProtocolOf(string name) => name == "UDP" ? Network.Packets.IpProtocol.Udp : Network.Packets.IpProtocol.Tcp;

    /// <summary>The word a Service port's <c>protocol</c> spells <paramref name="protocol"/> with (TCP or UDP).</summary>
    public static string ServiceProtocolName(Network.Packets.IpProtocol protocol) => ServiceProtocols[protocol == Network.Packets.IpProtocol.Udp ? 1 : 0];

    private static int Index(IReadOnlyList<string> words, string name)
    {
        for (int i = 0; i < words.Count; i++)
        {
            if (words[i] == name)
            {
                return i;
            }
        }

        return 0;
    }

    /// <summary>What `compare` runs when neither the command line nor the scenario names plugins: the four the headline compares.</summary>
    public static readonly IReadOnlyList<string> MainCni = ["flannel-vxlan", "flannel-host-gw", "calico-bgp", "calico-ipip"];
}

namespace NetPerf.Scenarios.Model;

/// <summary>The words a scenario may use for plugins and modes, in one place for the reader, the schema and the runner.</summary>
public static class Choices
{
    public static readonly IReadOnlyList<string> Cni = Kubernetes.Cni.CniPlugin.Names;
    public static readonly IReadOnlyList<string> KubeProxy = ["iptables", "ipvs", "nftables"];
    public static readonly IReadOnlyList<string> ServiceTypes = Enum.GetNames<ServiceType>();
    public static readonly IReadOnlyList<string> TrafficPolicies = ["Cluster", "Local"];
    public static readonly IReadOnlyList<string> Fabrics = ["switch", "kind"];
    public static readonly IReadOnlyList<string> IptablesBackends = ["nft", "legacy"];
    public static readonly IReadOnlyList<string> CostProfiles = Network.Cpu.CostTable.Profiles;
    public static readonly IReadOnlyList<string> Offloads = ["all", "none"];
    public static readonly IReadOnlyList<string> Distributions = ["fixed", "exponential"];
    public static readonly IReadOnlyList<string> BgpTopologies = ["full-mesh", "route-reflectors"];

    /// <summary>Pods per node a plugin's IPAM can address: Calico's one /26 block (64 addresses less the network address, tunl0's first address and the last, as CalicoRouted.PodAddress allows), flannel's /24 (less network, gateway and broadcast).</summary>
    public static int MaxPodsPerNode(string cni) => cni.StartsWith("calico", StringComparison.Ordinal) ? 62 : 253;

    /// <summary>What `compare` runs when neither the command line nor the scenario names plugins: the four the headline compares.</summary>
    public static readonly IReadOnlyList<string> MainCni = ["flannel-vxlan", "flannel-host-gw", "calico-bgp", "calico-ipip"];
}

using NetPerf.Kubernetes.Cluster;
using NetPerf.Kubernetes.Cni;
using NetPerf.Kubernetes.Policy;
using NetPerf.Network.Cpu;

namespace NetPerf.Kubernetes.Tests.Cni;

/// <summary>
/// The registry's facts hold for the plugins it builds: a plugin's kind names it, its pods get the MTU its
/// kind says, its IPAM addresses exactly the pods its kind says, and policies are enforced where its kind names
/// a policy engine.
/// </summary>
public class CniPluginsTests
{
    public static TheoryData<string> Names() => [.. CniPlugins.Names];

    [Theory]
    [MemberData(nameof(Names))]
    public void A_kind_builds_a_plugin_of_that_kind(string name)
    {
        var kind = CniPlugins.Get(name);
        Assert.Same(kind, kind.Create().Kind);
        Assert.Equal(name, CniPlugin.ByName(name).Name);
    }

    [Fact]
    public void Names_and_plot_colours_are_each_one_plugins()
    {
        Assert.Equal(CniPlugins.All.Count, CniPlugins.Names.Distinct().Count());
        Assert.Equal(CniPlugins.All.Count, CniPlugins.All.Select(k => k.PlotColour.ToUpperInvariant()).Distinct().Count());
        Assert.Null(CniPlugins.Find("antrea"));
    }

    [Theory]
    [MemberData(nameof(Names))]
    public void Pods_get_the_node_mtu_less_the_kinds_overhead_or_the_kinds_fixed_mtu(string name)
    {
        var kind = CniPlugins.Get(name);
        var cluster = new KubernetesCluster(new ClusterOptions { Nodes = 2, NodeMtu = 9000, Costs = CostTable.Free() }, kind.Create());
        var pod = cluster.AddPod("a", 1);
        Assert.Equal(kind.FixedPodMtu ?? 9000 - kind.MtuOverhead, pod.Eth0!.Mtu); // Weave's 1376 whatever the node's
        Assert.True(pod.Eth0.Mtu + kind.MtuOverhead <= 9000);
    }

    [Theory]
    [MemberData(nameof(Names))]
    public void Ipam_addresses_as_many_pods_per_node_as_the_kind_says_and_no_more(string name)
    {
        var kind = CniPlugins.Get(name);
        var cluster = new KubernetesCluster(new ClusterOptions { Nodes = 1, Costs = CostTable.Free() }, kind.Create());
        var addresses = Enumerable.Range(1, kind.MaxPodsPerNode).Select(i => cluster.Cni.PodAddress(cluster.Node(1), i)).ToList();
        Assert.Equal(kind.MaxPodsPerNode, addresses.Distinct().Count());
        Assert.All(addresses, a => Assert.True(cluster.PodNetwork.Contains(a))); // a node's /24 or /26 for flannel and Calico; a share of Weave's one range
        Assert.ThrowsAny<Exception>(() => cluster.Cni.PodAddress(cluster.Node(1), kind.MaxPodsPerNode + 1));
    }

    [Theory]
    [MemberData(nameof(Names))]
    public void Policies_are_enforced_exactly_where_the_kind_names_a_policy_engine(string name)
    {
        var kind = CniPlugins.Get(name);
        var cluster = new KubernetesCluster(new ClusterOptions { Nodes = 1, Costs = CostTable.Free() }, kind.Create());
        Assert.Equal(kind.EnforcesPolicy, new NetworkPolicies(cluster).IsEnforced);
    }
}

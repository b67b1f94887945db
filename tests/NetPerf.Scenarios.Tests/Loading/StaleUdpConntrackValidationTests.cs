using NetPerf.Network.Packets;
using NetPerf.Scenarios.Loading;
using NetPerf.Scenarios.Model;

namespace NetPerf.Scenarios.Tests.Loading;

/// <summary>
/// A UDP Service served by a Deployment's pods, and kube-proxy's stale UDP conntrack clean-up as a setting: read as
/// Kubernetes and kube-proxy spell them, every bad value refused at its line and column with what is allowed.
/// </summary>
public class StaleUdpConntrackValidationTests
{
    private const string Base = """
        duration: 100ms
        deployments: [{name: echo, replicas: 2, labels: {app: echo}}]
        services: [{name: echo, selector: {app: echo}, port: 5353, protocol: UDP}]
        workloads: [{name: rr, test: UDP_RR, timeout: 20ms, service: echo, paths: [cluster-ip]}]

        """;

    private static ScenarioError Only(string yaml)
    {
        var e = Assert.Throws<ScenarioException>(() => ScenarioReader.Parse(yaml, "t.yaml"));
        return Assert.Single(e.Errors);
    }

    [Fact]
    public void A_UDP_Service_is_served_by_UDP_RR_with_its_own_timeout_and_kube_proxy_clears_stale_entries_unless_told_not_to()
    {
        var s = ScenarioReader.Parse(Base, "t.yaml");
        Assert.Equal(IpProtocol.Udp, s.Services[0].Protocol);
        Assert.Equal(Engine.Time.SimTime.FromMilliseconds(20), s.Workloads[0].Timeout);
        Assert.Equal(StaleUdpConntrack.Cleared, s.Cluster.StaleUdpConntrack); // kube-proxy always runs its clean-up

        var kept = ScenarioReader.Parse(Base + "cluster: {staleUdpConntrack: kept}\n", "t.yaml");
        Assert.Equal(StaleUdpConntrack.Kept, kept.Cluster.StaleUdpConntrack);

        var swept = ScenarioReader.Parse(Base + "compare: {staleUdpConntrack: [cleared, kept]}\n", "t.yaml");
        Assert.Equal(["staleudp-cleared", "staleudp-kept"], swept.Variants().Select(v => v.Name));
        Assert.Equal([StaleUdpConntrack.Cleared, StaleUdpConntrack.Kept], swept.Variants().Select(v => v.StaleUdpConntrack!.Value));
    }

    [Fact]
    public void A_UDP_Service_gets_kube_proxys_UDP_rules_and_kubectl_shows_it_as_UDP()
    {
        var s = ScenarioReader.Parse(Base, "t.yaml");
        var build = new Scenarios.Running.ClusterBuild(s, s.Variants()[0], s.Seed);
        Assert.Equal(IpProtocol.Udp, build.ScenarioServiceObjects["echo"].Protocol);
        Assert.Matches(@"\becho\s+ClusterIP\s+\S+ \S+\s+5353/UDP\s", Scenarios.Running.ClusterDescription.Describe(build, s.Variants()[0], s));
    }

    [Fact]
    public void A_Service_port_takes_TCP_by_default_as_Kubernetes_does()
    {
        var s = ScenarioReader.Parse(Base.Replace(", protocol: UDP", "").Replace("test: UDP_RR, timeout: 20ms", "test: TCP_RR"), "t.yaml");
        Assert.Equal(IpProtocol.Tcp, s.Services[0].Protocol);
    }

    [Fact]
    public void A_protocol_other_than_TCP_or_UDP_is_refused_at_its_value()
    {
        var error = Only(Base.Replace("protocol: UDP", "protocol: SCTP"));
        Assert.Equal((3, 70), (error.Line, error.Column)); // and nothing about UDP_RR meeting the TCP it fell back to
        Assert.Equal("services[0].protocol: 'SCTP' is not allowed; allowed: TCP, UDP", error.Message);
    }

    [Fact]
    public void A_test_of_the_other_protocol_is_refused_at_the_test_with_the_ones_the_Service_takes()
    {
        var tcp = Only(Base.Replace("test: UDP_RR, timeout: 20ms", "test: TCP_CRR"));
        Assert.Equal(4, tcp.Line);
        Assert.Equal("workloads[0].test: TCP_CRR does not go over Service 'echo''s protocol UDP; allowed with it: UDP_RR", tcp.Message);

        var udp = Only(Base.Replace(", protocol: UDP", ""));
        Assert.Equal("workloads[0].test: UDP_RR does not go over Service 'echo''s protocol TCP; allowed with it: TCP_RR, TCP_CRR", udp.Message);
    }

    [Fact]
    public void The_clean_up_setting_takes_cleared_or_kept_in_the_cluster_and_in_compare()
    {
        var cluster = Only(Base + "cluster: {staleUdpConntrack: off}\n");
        Assert.Equal((5, 30), (cluster.Line, cluster.Column));
        Assert.Equal("cluster.staleUdpConntrack: 'off' is not allowed; allowed: cleared, kept", cluster.Message);

        var compare = Only(Base + "compare:\n  staleUdpConntrack: [cleared, kepd]\n");
        Assert.Equal((6, 32), (compare.Line, compare.Column));
        Assert.StartsWith("compare.staleUdpConntrack: 'kepd' is not allowed (did you mean 'kept'?); allowed: cleared, kept", compare.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_timeout_still_goes_only_with_a_rate_or_UDP_RR()
    {
        var error = Only(Base.Replace("test: UDP_RR, timeout: 20ms", "test: TCP_RR, timeout: 20ms").Replace(", protocol: UDP", ""));
        Assert.Equal("workloads[0].timeout: goes with rate (an open-loop workload's requests per second), or with UDP_RR", error.Message);
    }
}

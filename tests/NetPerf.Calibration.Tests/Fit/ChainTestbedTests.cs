using NetPerf.Calibration.Paths;
using NetPerf.Calibration.Probe;
using NetPerf.Engine.Time;
using NetPerf.Network.Cpu;
using NetPerf.Network.Netfilter;

namespace NetPerf.Calibration.Tests.Fit;

/// <summary>The chain testbeds: one piece of kernel work repeated in series, so that the fit sees it with that many times the leverage.</summary>
public class ChainTestbedTests
{
    private static readonly CostTable Costs = CostTable.Profile("kind");

    private static double Count(IReadOnlyDictionary<KernelStage, double> byStage, KernelStage stage) =>
        byStage.GetValueOrDefault(stage) / (Costs[stage].FixedPicoseconds / 1000.0);

    [Fact]
    public void A_datagram_through_four_routers_is_forwarded_four_times_each_way_and_crosses_five_veth_pairs()
    {
        var chain = TestbedModel.CpuByStage(Testbed.RoutedChain, Costs, 64, IptablesBackend.Nft);

        // Request and response: each router runs ip_forward once per direction, and each of the five links is one veth transmit.
        Assert.Equal(2 * Testbeds.ChainLength, Count(chain, KernelStage.IpForward), 3);
        Assert.Equal(2 * (Testbeds.ChainLength + 1), Count(chain, KernelStage.VethTransmit), 3);
        Assert.False(chain.ContainsKey(KernelStage.ConntrackLookup)); // no rules, no conntrack in any router
    }

    [Fact]
    public void Conntrack_in_every_router_is_one_established_lookup_per_router_per_packet()
    {
        var tracked = TestbedModel.CpuByStage(Testbed.RoutedChainConntrack, Costs, 64, IptablesBackend.Nft);
        var single = TestbedModel.CpuByStage(Testbed.RoutedConntrack, Costs, 64, IptablesBackend.Nft);

        // Each namespace has its own conntrack table (skb_scrub_packet drops the entry at every veth crossing into another namespace).
        Assert.Equal(2 * Testbeds.ChainLength, Count(tracked, KernelStage.ConntrackLookup), 3);
        Assert.Equal(Testbeds.ChainLength * Count(single, KernelStage.ConntrackLookup), Count(tracked, KernelStage.ConntrackLookup), 3);
    }

    [Fact]
    public void A_tcp_exchange_through_four_conntracking_routers_tracks_tcp_state_in_each()
    {
        var tracked = TestbedTcpModel.Run(Testbed.RoutedChainConntrack, ProbeKind.TcpRr, Costs, 64, 600, SimTime.FromMilliseconds(20), seed: 1, IptablesBackend.Nft);
        var plain = TestbedTcpModel.Run(Testbed.RoutedChain, ProbeKind.TcpRr, Costs, 64, 600, SimTime.FromMilliseconds(20), seed: 1, IptablesBackend.Nft);

        // Every segment found in every router's table runs nf_conntrack_tcp_packet: at least request and response in each of the four.
        double state = Count(tracked.CpuByStageNs, KernelStage.ConntrackTcpState);
        Assert.InRange(state / Count(tracked.CpuByStageNs, KernelStage.ConntrackLookup), 0.999, 1.001);
        Assert.True(state >= 2 * Testbeds.ChainLength - 0.05, $"{state:F2} TCP state checks per transaction");
        Assert.True(tracked.P50Ns > plain.P50Ns);
    }

    [Fact]
    public void A_frame_through_four_bridges_is_forwarded_by_each_and_with_br_netfilter_passes_each_namespace_s_conntrack()
    {
        var plain = TestbedModel.CpuByStage(Testbed.BridgeChain, Costs, 64, IptablesBackend.Nft);
        var filtered = TestbedModel.CpuByStage(Testbed.BridgeChainConntrack, Costs, 64, IptablesBackend.Nft);

        Assert.Equal(2 * Testbeds.ChainLength, Count(plain, KernelStage.BridgeForward), 3);
        Assert.False(plain.ContainsKey(KernelStage.BridgeNetfilter)); // bridge-nf-call-iptables=0: the bridge never calls iptables
        Assert.False(plain.ContainsKey(KernelStage.IpForward)); // one L2 segment: nothing is routed
        Assert.Equal(2 * Testbeds.ChainLength, Count(filtered, KernelStage.BridgeNetfilter), 3);
        Assert.Equal(2 * Testbeds.ChainLength, Count(filtered, KernelStage.ConntrackLookup), 3);
    }
}

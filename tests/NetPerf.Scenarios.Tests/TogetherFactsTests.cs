using NetPerf.Scenarios.Loading;
using NetPerf.Scenarios.Running;
using Xunit.Abstractions;

namespace NetPerf.Scenarios.Tests;

/// <summary>
/// Workloads run together (together: true): one simulation per variant, each workload measured apart. A
/// request-response workload whose server shares a core with another workload's server waits behind its
/// requests, while the CPU each of its requests costs stays its own.
/// </summary>
public class TogetherFactsTests(ITestOutputHelper output)
{
    // rr: NetPerf's client on node 1 to web-1 on node 2; load: a hostNetwork client to a hostNetwork server on
    // node 2, on the same core (NetPerf's servers run on core 2), open loop at about half that core's capacity.
    private const string Workloads = """
          - { name: rr, test: TCP_RR, paths: [pod-cross-node], serviceTime: 50us }
          - { name: load, test: TCP_RR, paths: [node-to-node], clients: 4, rate: 8000, serviceTime: 50us }
        """;

    private static RunOutcome Run(bool together, string workloads = Workloads) => ScenarioRunner.Run(ScenarioReader.Parse($"""
        name: matrix
        seed: 11
        duration: 200ms
        warmup: 10ms
        together: {(together ? "true" : "false")}
        cluster: {"{ nodes: 2, cni: calico-bgp }"}
        workloads:
        {workloads}
        """, "matrix.yaml"), new RunOptions());

    private static double CpuPerRequest(UnitResult r) => r.Report.Cpu.Sum(h => h.PicosecondsByStage.Values.Sum()) / (double)r.Report.Transactions;

    [Fact]
    public void A_workload_sharing_its_servers_core_with_another_waits_behind_it_and_keeps_its_own_cpu_per_request()
    {
        var apart = Run(together: false);
        var together = Run(together: true);
        var alone = apart.Results.Single(r => r.Unit.Workload.Name == "rr");
        var loaded = together.Results.Single(r => r.Unit.Workload.Name == "rr");
        var load = together.Results.Single(r => r.Unit.Workload.Name == "load");
        output.WriteLine($"rr alone: p50 {alone.Report.P50.TotalMicroseconds:F1} us mean {alone.Latency.Mean.TotalMicroseconds:F1} us, cpu {CpuPerRequest(alone) / 1e6:F2} us/req; together: p50 {loaded.Report.P50.TotalMicroseconds:F1} us mean {loaded.Latency.Mean.TotalMicroseconds:F1} us, cpu {CpuPerRequest(loaded) / 1e6:F2} us/req; load {load.Report.TransactionsPerSecond:F0}/s");

        Assert.Equal(2, together.Results.Count); // one simulation, both measured, each under its own name
        Assert.Equal(together.Results[0].Events, together.Results[1].Events);
        Assert.Equal(8000, load.Report.TransactionsPerSecond, tolerance: 8000 * 0.05); // below capacity, the offered load is carried
        // The second workload keeps core 2 of node 2 busy about half the time: rr's requests find it busy and wait.
        Assert.True(loaded.Latency.Mean.TotalMicroseconds > alone.Latency.Mean.TotalMicroseconds + 10, "rr must queue behind the load on its server's core");
        // Each workload's CPU is its own flow's: rr's requests cost what they cost alone.
        Assert.Equal(CpuPerRequest(alone), CpuPerRequest(loaded), tolerance: CpuPerRequest(alone) * 0.05);
    }

    [Fact]
    public void Workloads_run_together_give_the_same_results_for_the_same_seed()
    {
        var a = Run(together: true).Results.Select(r => (r.Unit.Workload.Name, r.Report.Transactions, r.Report.P50, r.Report.P99, CpuPerRequest(r)));
        var b = Run(together: true).Results.Select(r => (r.Unit.Workload.Name, r.Report.Transactions, r.Report.P50, r.Report.P99, CpuPerRequest(r)));
        Assert.Equal(a, b);
    }

    [Theory]
    [InlineData("  - { name: two, test: TCP_RR, paths: [pod-same-node, pod-cross-node] }\n", "workloads[0].paths: with together every workload runs once, on one path; 2 given")]
    [InlineData("  - { name: a, test: TCP_RR, paths: [pod-cross-node] }\n  - { name: b, test: TCP_STREAM, paths: [cluster-ip] }\n", "workloads[1] (b, TCP_STREAM) serves on web-1's TCP port 8080 as workloads[0] (a, TCP_RR) does")]
    [InlineData("  - { name: lb, test: TCP_RR, paths: [load-balancer] }\n", "workloads[0].paths: load-balancer is not run with together")]
    public void What_cannot_share_one_simulation_is_refused_at_its_line(string workloads, string message)
    {
        var e = Assert.Throws<ScenarioException>(() => ScenarioReader.Parse($"name: x\ntogether: true\nworkloads:\n{workloads}", "x.yaml"));
        Assert.StartsWith(message, Assert.Single(e.Errors).Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Two_request_response_workloads_on_one_servers_port_are_accepted_since_its_one_process_serves_both()
    {
        // Every pod calling one external API reaches one listener: TCP_RR and TCP_CRR share netserver's process.
        var s = ScenarioReader.Parse("name: x\ntogether: true\nworkloads:\n  - { name: a, test: TCP_RR, paths: [pod-cross-node] }\n  - { name: b, test: TCP_CRR, paths: [cluster-ip] }\n", "x.yaml");
        Assert.Equal(2, s.Workloads.Count);
    }
}

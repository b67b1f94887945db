using NetPerf.Scenarios.Loading;
using NetPerf.Scenarios.Running;

namespace NetPerf.Scenarios.Tests;

public class ReplicationTests
{
    [Fact]
    public void With_replications_the_stages_of_cpu_csv_add_up_to_the_CPU_per_request_and_the_mean_gets_an_interval_across_them()
    {
        var scenario = ScenarioReader.Parse("""
            name: reps
            duration: 5ms
            warmup: 1ms
            replications: 3
            workloads:
              - { name: rr, test: TCP_RR, serviceTime: 10us, serviceDistribution: exponential, paths: [pod-cross-node] }
            compare:
              cni: [calico-bgp]
            """, "reps.yaml");
        var results = ResultSetBuilder.Build(ScenarioRunner.Run(scenario, new RunOptions()));

        var cpu = results.Summary.Single(r => r.Metric == "cpu_per_request");
        Assert.Equal(cpu.Mean * 1000, results.Cpu.Sum(r => r.NanosecondsPerRequest), tolerance: 1e-6 * cpu.Mean * 1000);
        var latency = results.Summary.Single(r => r.Metric == "latency");
        Assert.NotNull(latency.Ci95); // three independent replications: a t interval on their means
        Assert.True(latency.Ci95 > 0);
        Assert.Equal(3, results.Summary.Single(r => r.Metric == "throughput").Count);
    }
}

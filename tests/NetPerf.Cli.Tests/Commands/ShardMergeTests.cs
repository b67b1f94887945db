using NetPerf.Reporting;

namespace NetPerf.Cli.Tests.Commands;

/// <summary>
/// netperf run --shard K/N and netperf merge: a sweep split over machines and joined again is the sweep run on one,
/// byte for byte (run.json aside, which records how and when it was made).
/// </summary>
public sealed class ShardMergeTests : IDisposable
{
    // Two variants x (an RR workload on two paths, one by DNS name, + a UDP stream) x 2 replications = 12
    // simulations of 3 ms: every kind of row a run writes (latency with percentiles and CDFs, throughput, CPU by
    // stage, DNS, timeseries, samples) and confidence intervals across replications that land in different shards.
    private const string Scenario = """
        name: small-sweep
        seed: 7
        duration: 3ms
        warmup: 1ms
        interval: 1ms
        replications: 2
        workloads:
          - name: rr
            test: TCP_RR
            serviceTime: 10us
            serviceDistribution: exponential
            paths: [pod-cross-node, cluster-ip]
          - name: udp
            test: UDP_STREAM
            paths: [pod-same-node]
        compare:
          cni: [flannel-vxlan, calico-bgp]
        baseline: calico-bgp
        """;

    private readonly string _dir = Directory.CreateTempSubdirectory("netperf-shard-").FullName;

    private string File => Path.Combine(_dir, "small.yaml");
    private string Results => Path.Combine(_dir, "results");
    private string Run(string id) => Path.Combine(Results, "small-sweep", id);

    public ShardMergeTests() => System.IO.File.WriteAllText(File, Scenario);

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private void Shard(int k, int n, string? file = null)
    {
        var (code, _, err) = CommandLine.Run("run", file ?? File, "--shard", $"{k}/{n}", "--samples", "--results-dir", Results, "--run-id", $"shard-{k}-of-{n}", "-j", "2");
        Assert.True(code == ExitCodes.Success, err);
    }

    [Fact]
    public void Three_shards_merged_are_the_unsharded_run_byte_for_byte_but_run_json()
    {
        var (code, _, err) = CommandLine.Run("run", File, "--samples", "--results-dir", Results, "--run-id", "whole", "-j", "2");
        Assert.True(code == ExitCodes.Success, err);
        for (int k = 1; k <= 3; k++)
        {
            Shard(k, 3);
        }

        // Shards 1/3 and 2/3 each ran 4 of the 12 (round-robin over the run's order).
        Assert.Equal(4, System.IO.File.ReadAllLines(Path.Combine(Run("shard-2-of-3"), "simulations.jsonl")).Length);
        (code, _, err) = CommandLine.Run("merge", Run("shard-3-of-3"), Run("shard-1-of-3"), Run("shard-2-of-3"), "--results-dir", Results, "--run-id", "merged");
        Assert.True(code == ExitCodes.Success, err);

        static Dictionary<string, byte[]> Files(string dir) => Directory.GetFiles(dir).Where(f => Path.GetFileName(f) != "run.json")
            .ToDictionary(f => Path.GetFileName(f), System.IO.File.ReadAllBytes);
        var whole = Files(Run("whole"));
        var merged = Files(Run("merged"));
        Assert.Equal(whole.Keys.Order(), merged.Keys.Order());
        Assert.Subset(whole.Keys.ToHashSet(), new HashSet<string> { "scenario.yaml", "summary.csv", "cpu.csv", "timeseries.csv", "samples.csv", "report.html", "latency-cdf-cluster-ip.svg", "throughput.png" });
        foreach (var (name, bytes) in whole)
        {
            Assert.True(bytes.AsSpan().SequenceEqual(merged[name]), $"{name} differs between the unsharded run and the merged shards");
        }

        // The intervals are recomputed from the two replications (which ran in different shards), not averaged or dropped.
        var latency = CsvResults.ReadSummary(Path.Combine(Run("merged"), "summary.csv")).Where(r => r.Metric == "latency").ToList();
        Assert.NotEmpty(latency);
        Assert.All(latency, r => Assert.True(r.Ci95 > 0, $"{r.Variant} {r.Path}: no interval across the replications"));
        Assert.Contains("\"mergedFrom\"", System.IO.File.ReadAllText(Path.Combine(Run("merged"), "run.json")));
    }

    [Fact]
    public void A_missing_or_repeated_shard_is_refused_with_what_was_expected_and_nothing_is_written()
    {
        Shard(1, 3);
        Shard(3, 3);
        var (code, _, err) = CommandLine.Run("merge", Run("shard-1-of-3"), Run("shard-3-of-3"), Run("shard-1-of-3"), "--results-dir", Results, "--run-id", "merged");
        Assert.Equal(ExitCodes.UsageError, code);
        Assert.Contains("shard 1/3 given 2 times", err);
        Assert.Contains("shard(s) 2/3 missing: a merge needs every shard 1/3 to 3/3", err);
        Assert.Contains("nothing was written", err);
        Assert.False(Directory.Exists(Run("merged")));
        Assert.Empty(Directory.GetDirectories(Path.Combine(Results, "small-sweep"), ".*")); // no hidden folder left either
    }

    [Fact]
    public void Shards_of_another_seed_or_shard_count_are_refused_naming_the_folder_and_both_values()
    {
        Shard(1, 2);
        string other = Path.Combine(_dir, "other.yaml");
        System.IO.File.WriteAllText(other, Scenario.Replace("seed: 7", "seed: 8", StringComparison.Ordinal));
        Shard(2, 2, other);
        Shard(3, 3);
        var (code, _, err) = CommandLine.Run("merge", Run("shard-1-of-2"), Run("shard-2-of-2"), Run("shard-3-of-3"), "--results-dir", Results);
        Assert.Equal(ExitCodes.UsageError, code);
        Assert.Contains($"{Path.Combine(Run("shard-2-of-2"), "shard.json")}: seed 8, but {Run("shard-1-of-2")} (shard 1/2) has 7", err);
        Assert.Contains("scenario file SHA-256", err);
        Assert.Contains($"{Path.Combine(Run("shard-3-of-3"), "shard.json")}: shard count 3, but {Run("shard-1-of-2")} (shard 1/2) has 2", err);
        Assert.All(Directory.GetFileSystemEntries(Path.Combine(Results, "small-sweep")), e => Assert.StartsWith("shard-", Path.GetFileName(e))); // no run, no latest
    }

    [Fact]
    public void A_folder_that_is_no_shard_is_refused()
    {
        var (code, _, err) = CommandLine.Run("merge", _dir, "--results-dir", Results);
        Assert.Equal(ExitCodes.UsageError, code);
        Assert.Contains($"{_dir}: not a shard folder (no shard.json)", err);
    }

    [Theory]
    [InlineData("0/3", "--shard 0/3: K is 1 to 3")]
    [InlineData("4/3", "--shard 4/3: K is 1 to 3")]
    [InlineData("x", "--shard 'x' is not K/N: give shard K of N as two whole numbers, 1 <= K <= N")]
    [InlineData("2/0", "--shard 2/0: N is the number of shards, 1 to 100,000")]
    public void A_shard_that_does_not_exist_is_refused_with_what_is_allowed(string shard, string message)
    {
        var (code, _, err) = CommandLine.Run("run", File, "--shard", shard, "--results-dir", Results);
        Assert.Equal(ExitCodes.UsageError, code);
        Assert.Contains(message, err);
        Assert.False(Directory.Exists(Results)); // refused before anything ran or was claimed
    }
}

namespace NetPerf.Scenarios.Sharding;

/// <summary>
/// shard.json: what a shard ran and everything a merge must find the same in every shard of one sweep (the
/// format, NetPerf's version, the scenario's text by its SHA-256, the seed, the options that change results,
/// the shard count and the number of simulations), and what only the merged run's run.json and results need.
/// </summary>
public sealed record ShardHeader
{
    /// <summary>The one format this version reads and writes.</summary>
    public const string CurrentFormat = "netperf-shard/1";

    public required string Format { get; init; }
    public required string Version { get; init; }
    public required string Scenario { get; init; }
    public required string ScenarioSha256 { get; init; }
    public required string File { get; init; }
    public required string Description { get; init; }
    public required ulong Seed { get; init; }

    /// <summary>K of K/N (1-based).</summary>
    public required int Shard { get; init; }

    /// <summary>N of K/N.</summary>
    public required int Shards { get; init; }

    /// <summary>Every simulation of the run (all shards'), path simulations and BGP experiments.</summary>
    public required int Simulations { get; init; }

    /// <summary>This shard's: simulation i with i mod N = K - 1.</summary>
    public required int Ran { get; init; }
    public required bool Partial { get; init; }

    /// <summary>Options that change what is simulated or written; equal in every shard of a sweep.</summary>
    public required ShardOptions Options { get; init; }

    /// <summary>The run's variants in order (for the baseline when the scenario names none).</summary>
    public required IReadOnlyList<string> Variants { get; init; }
    public required int Replications { get; init; }
    public required double WarmupMs { get; init; }
    public required double DurationMs { get; init; }
    public required string Command { get; init; }
    public required string StartedUtc { get; init; }
    public required string FinishedUtc { get; init; }
}

/// <summary>The run options a shard was given that shape the merged run's files: a merge writes what the unsharded run with them would.</summary>
public sealed record ShardOptions
{
    public required bool Quick { get; init; }
    public required bool Samples { get; init; }
    public required IReadOnlyList<string> OnlyVariants { get; init; }

    /// <summary>The baseline the results' ratios take when --variant leaves out the scenario's (null: the scenario's).</summary>
    public string? Baseline { get; init; }
    public required bool Plots { get; init; }
    public required string Cdf { get; init; }
}

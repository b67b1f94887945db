namespace NetPerf.Workloads;

/// <summary>How an open-loop workload's requests arrive (its rate is the mean either way).</summary>
public enum Arrivals
{
    /// <summary>A Poisson process: exponential gaps, independent users (the M in M/M/1).</summary>
    Poisson,

    /// <summary>One request every 1/rate, from a random phase: a paced client, a cron, a load generator's fixed rate (the D in D/M/1).</summary>
    Constant,
}

namespace NetPerf.Samples.Queueing;

/// <summary>The "G" of M/G/1 offered by the sample: Kendall's M (exponential) or D (deterministic).</summary>
public enum ServiceDistribution
{
    Exponential,
    Deterministic,
}

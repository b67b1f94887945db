namespace NetPerf.Cli.Diff;

/// <summary>Welch's t statistic for B minus A, its Welch-Satterthwaite degrees of freedom and the two-sided p-value.</summary>
public readonly record struct WelchResult(double T, double DegreesOfFreedom, double P)
{
    /// <summary>The level <c>netperf diff</c> calls a difference significant at.</summary>
    public const double Alpha = 0.05;

    public bool Significant => P < Alpha;
}

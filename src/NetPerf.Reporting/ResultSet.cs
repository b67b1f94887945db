namespace NetPerf.Reporting;

/// <summary>
/// Everything one run of a scenario measured, in the order it was run: what the CSV, plots and report are
/// written from.
/// </summary>
public sealed record ResultSet
{
    public required string Scenario { get; init; }

    /// <summary>What the scenario file says it compares, one line.</summary>
    public string Description { get; init; } = "";

    /// <summary>The baseline variant ratios are computed against (the first variant unless chosen).</summary>
    public required string Baseline { get; init; }

    public required IReadOnlyList<SummaryRow> Summary { get; init; }
    public required IReadOnlyList<CpuRow> Cpu { get; init; }
    public required IReadOnlyList<LatencyCdf> Cdfs { get; init; }

    /// <summary>Raw per-request samples, empty unless the run was asked to keep them.</summary>
    public IReadOnlyList<SampleRow> Samples { get; init; } = [];

    /// <summary>Results per interval of each unit's measured window (timeseries.csv).</summary>
    public IReadOnlyList<TimeseriesRow> Timeseries { get; init; } = [];

    /// <summary>What each simulation's timeline did and what followed (timeline.csv); empty without a timeline.</summary>
    public IReadOnlyList<TimelineRow> Timeline { get; init; } = [];

    /// <summary>BGP convergence experiments, when the scenario ran any.</summary>
    public IReadOnlyList<BgpRow> Bgp { get; init; } = [];

    /// <summary>
    /// The colour (#RRGGBB) of every plugin the simulator knows, from its registry, so that a plugin keeps its
    /// colour in every plot of every run; a plugin missing here takes one of the palette's other colours.
    /// </summary>
    public IReadOnlyDictionary<string, string> CniColours { get; init; } = new Dictionary<string, string>();

    /// <summary>True when the run was stopped before every variant finished.</summary>
    public bool Partial { get; init; }
}

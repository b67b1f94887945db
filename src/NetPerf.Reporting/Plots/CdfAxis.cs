namespace NetPerf.Reporting.Plots;

/// <summary>How a latency CDF is drawn.</summary>
public enum CdfAxis
{
    /// <summary>x latency, y percentile from 0 to 100: the body of the distribution, the tail squeezed into the top.</summary>
    Percentile,

    /// <summary>
    /// x percentile on a log(1/(1-p)) scale (0, 90, 99, 99.9, 99.99 equally spaced), y latency: the tail spread
    /// out, as HdrHistogram's percentile plots draw it.
    /// </summary>
    Tail,
}

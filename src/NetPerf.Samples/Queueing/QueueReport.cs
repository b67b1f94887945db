using System.Globalization;
using System.Text;
using NetPerf.Engine.Statistics;
using NetPerf.Engine.Time;

namespace NetPerf.Samples.Queueing;

/// <summary>What one run of the queue measured, beside what theory says it should.</summary>
public sealed record QueueReport(
    QueueParameters Parameters,
    ConfidenceInterval WaitInQueueSeconds,
    double AnalyticWaitInQueueSeconds,
    double TimeAverageInQueue,
    double ArrivalRatePerSecond,
    double MeasuredUtilisation,
    SimTime SojournP40,
    SimTime SojournP50,
    SimTime SojournP60,
    SimTime SojournP99,
    SimTime SojournP9999,
    long EventsExecuted,
    SimTime SimulatedTime)
{
    /// <summary>(measured - analytic) / analytic.</summary>
    public double RelativeError => (WaitInQueueSeconds.Mean - AnalyticWaitInQueueSeconds) / AnalyticWaitInQueueSeconds;

    /// <summary>Lq / (lambda x Wq): Little's law says 1.</summary>
    public double LittleRatio => TimeAverageInQueue / (ArrivalRatePerSecond * WaitInQueueSeconds.Mean);

    /// <summary>A plain-text report with no wall-clock or host fields: the same seed prints the same text.</summary>
    public string ToText()
    {
        var p = Parameters;
        string kendall = p.Service == ServiceDistribution.Exponential ? "M/M/1" : "M/D/1";
        var inv = CultureInfo.InvariantCulture;
        var sb = new StringBuilder();
        sb.AppendLine(inv, $"{kendall} queue, utilisation {p.Utilisation:0.###}, mean service {p.MeanService}, seed {p.Seed}");
        sb.AppendLine(inv, $"  customers measured      {p.Customers:N0} (after {p.WarmupCustomers:N0} warm-up)");
        sb.AppendLine(inv, $"  events run              {EventsExecuted:N0} over {SimulatedTime} simulated");
        sb.AppendLine(inv, $"  utilisation measured    {MeasuredUtilisation:0.0000}");
        sb.AppendLine(inv, $"  Wq measured             {Us(WaitInQueueSeconds.Mean)} +/- {Us(WaitInQueueSeconds.HalfWidth)} ({WaitInQueueSeconds.Level:P0} CI, batch means, {WaitInQueueSeconds.Samples} batches)");
        sb.AppendLine(inv, $"  Wq Pollaczek-Khinchine  {Us(AnalyticWaitInQueueSeconds)}");
        sb.AppendLine(inv, $"  relative error          {RelativeError:+0.00%;-0.00%} (CI half-width {WaitInQueueSeconds.RelativeHalfWidth:0.00%})");
        sb.AppendLine(inv, $"  Little's law Lq/(l*Wq)  {LittleRatio:0.0000}");
        sb.AppendLine(inv, $"  sojourn p50/p99/p99.99  {SojournP50} / {SojournP99} / {SojournP9999}");
        return sb.ToString();
    }

    private static string Us(double seconds) => (seconds * 1e6).ToString("0.0000", CultureInfo.InvariantCulture) + " us";
}

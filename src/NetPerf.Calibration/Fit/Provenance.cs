using System.Globalization;
using NetPerf.Network.Cpu;

namespace NetPerf.Calibration.Fit;

/// <summary>Writes into each fitted row's source where its number came from: this machine, this kernel, this date, and the derivation.</summary>
public static class Provenance
{
    public static string Machine()
    {
        string kernel = Read("/proc/sys/kernel/osrelease");
        string cpu = File.Exists("/proc/cpuinfo")
            ? File.ReadLines("/proc/cpuinfo").FirstOrDefault(l => l.StartsWith("model name", StringComparison.Ordinal))?.Split(':', 2)[1].Trim() ?? "unknown CPU"
            : "unknown CPU";
        return $"Linux {kernel}, {cpu}, {Environment.ProcessorCount} CPUs, {DateTime.UtcNow.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture)}";
    }

    public static void Stamp(CostTable table, FitResult fit, InterferenceFit.Result spread, PathMeasurement lo, IReadOnlyList<PathMeasurement> fitPaths)
    {
        string where = $"netperf calibrate on {Machine()} (probes pinned to one CPU, UDP/TCP request-response of 64 B, median of rounds)";
        string paths = string.Join("; ", fitPaths.Select(m => $"{m.Path.Name} {m.TypicalKernelNs:F0} ns"));
        foreach (var (group, factor, atBound) in fit.Factors)
        {
            foreach (var stage in group.Stages)
            {
                table.Set(stage, table[stage], $"{where}: the {group.Name} group ({string.Join(", ", group.Stages)}) scaled by {factor.ToString("F3", CultureInfo.InvariantCulture)} from the shipped namespace table{(atBound ? " (held at the fit's bound)" : "")}, fitted on the single-hop paths' typical kernel time (p50 less the probes' user time: {paths}); this group is told apart by {group.MeasuredBy}");
            }

            foreach (var stage in group.Derived)
            {
                table.Set(stage, table[stage], $"{where}: derived, not measured alone here: scaled with the {group.Name} group by {factor.ToString("F3", CultureInfo.InvariantCulture)} from the shipped table");
            }
        }

        table.Set(KernelStage.Interference, table[KernelStage.Interference],
            $"{where}: fitted with Preemption to the loopback path's spread (p50 {lo.P50Ns:F0} ns, p90 {lo.P90Ns:F0}, p99 {lo.P99Ns:F0}, p99.9 {lo.P999Ns:F0}, mean {lo.MeanNs:F0} ns): {spread.RatePerMs.ToString("F3", CultureInfo.InvariantCulture)} interruptions per busy ms of mean {spread.MeanNs:F0} ns, the short class matched to p50, p90 and p99 (model with both: p50 {spread.ModelP50Ns:F0}, mean {spread.ModelMeanNs:F0}, p99 {spread.ModelP99Ns:F0}, p99.9 {spread.ModelP999Ns:F0} ns)");
        table.Set(KernelStage.Preemption, table[KernelStage.Preemption],
            $"{where}: the long class, matched with the short one fixed to the loopback path's mean and p99.9: {spread.RareRatePerMs.ToString("F3", CultureInfo.InvariantCulture)} per busy ms of mean {spread.RareMeanNs:F0} ns");
    }

    private static string Read(string path) => File.Exists(path) ? File.ReadAllText(path).Trim() : "unknown";
}

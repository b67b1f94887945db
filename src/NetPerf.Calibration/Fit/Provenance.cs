using System.Globalization;
using NetPerf.Network.Cpu;
using NetPerf.Network.Netfilter;

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

    public static void Stamp(CostTable table, FitResult fit, InterferenceFit.Result spread, PathMeasurement lo, IReadOnlyList<(string Name, double KernelNs)> fitPaths, MeasuredOn on)
    {
        string where = $"netperf calibrate on {on.Machine} (iptables-{on.Backend.ToString().ToLowerInvariant()}, probes pinned to one CPU, UDP/TCP request-response of {on.MessageBytes} B, median of {on.Rounds - on.RejectedRounds} accepted round(s) of {on.Rounds}{(on.RefitFrom is null ? "" : $"; fitted again from {on.RefitFrom}")})";
        string paths = string.Join("; ", fitPaths.Select(m => $"{m.Name} {m.KernelNs:F0} ns"));
        foreach (var (group, factor, atBound) in fit.Factors)
        {
            string coldNote = fit.Cold.Where(c => c.Group == group).Select(c => $"; its first run on a packet's journey costs {c.Factor.ToString("F3", CultureInfo.InvariantCulture)} times the shipped fixed cost more (cold_ns{(c.AtBound ? ", held at the fit's bound" : "")}: one such hop against the marginal hop of a chain of four)").FirstOrDefault() ?? "";
            foreach (var stage in group.Stages)
            {
                table.Set(stage, table[stage], $"{where}: the {group.Name} group ({string.Join(", ", group.Stages)}) scaled by {factor.ToString("F3", CultureInfo.InvariantCulture)} from the shipped namespace table{(atBound ? " (held at the fit's bound)" : "")}{coldNote}, fitted on the single-hop paths' typical kernel time (p50 less the probes' user time, pooled per probe over the fit paths, and less what the fitted interruptions add to a median transaction: {paths}); this group is told apart by {group.MeasuredBy}");
            }

            foreach (var stage in group.Derived)
            {
                table.Set(stage, table[stage], $"{where}: derived, not measured alone here: scaled with the {group.Name} group by {factor.ToString("F3", CultureInfo.InvariantCulture)} from the shipped table");
            }
        }

        string tails = string.Join("; ", spread.Paths.Select(t => $"{t.Name} p99 {t.MeasuredP99Ns:F0}/p99.9 {t.MeasuredP999Ns:F0} ns (model {t.ModelP99Ns:F0}/{t.ModelP999Ns:F0})"));
        table.Set(KernelStage.Interference, table[KernelStage.Interference],
            $"{where}: the short class, matched to the loopback path's p50, p90 and p99 (p50 {lo.P50Ns:F0} ns, p90 {lo.P90Ns:F0}, p99 {lo.P99Ns:F0}): {spread.RatePerMs.ToString("F3", CultureInfo.InvariantCulture)} interruptions per busy ms of mean {spread.MeanNs:F0} ns (model with both classes on loopback: p50 {spread.ModelP50Ns:F0}, mean {spread.ModelMeanNs:F0}, p99 {spread.ModelP99Ns:F0}, p99.9 {spread.ModelP999Ns:F0} ns)");
        table.Set(KernelStage.Preemption, table[KernelStage.Preemption],
            $"{where}: the long class, matched with the short one fixed to every request/response fit path's p99 and p99.9 and loopback's mean (paths of different lengths tell its rate from its length): {spread.RareRatePerMs.ToString("F3", CultureInfo.InvariantCulture)} per busy ms of mean {spread.RareMeanNs:F0} ns; {tails}");
    }

    /// <summary>Adds the fitted spread of a new connection's work to the TcpConnection row's source (the row that carries it).</summary>
    public static void StampConnectionWork(CostTable table, ConnectionWorkFit.Result work, MeasuredOn on)
    {
        string tails = string.Join("; ", work.Paths.Select(t => string.Create(CultureInfo.InvariantCulture, $"{t.Name} p90/p50 {t.MeasuredP90OverP50:F2}, p99/p50 {t.MeasuredP99OverP50:F2} (model {t.ModelP90OverP50:F2}, {t.ModelP99OverP50:F2})")));
        string source = table.Sources.TryGetValue(KernelStage.TcpConnection, out var s) ? s : "";
        table.Set(KernelStage.TcpConnection, table[KernelStage.TcpConnection],
            $"{source}. work_sigma: the spread of a new connection's whole work (one lognormal factor of median 1 per connection on all its kernel stages), {work.Sigma.ToString("F3", CultureInfo.InvariantCulture)}, matched with the interruptions fixed to the TCP_CRR fit paths' p90 and p99 over their median within a round (median over the rounds: the machine's slower phases between rounds are not a connection's variation): {tails}");
    }

    private static string Read(string path) => File.Exists(path) ? File.ReadAllText(path).Trim() : "unknown";
}

/// <summary>
/// Where and how a calibration's measurements were taken: kept in its measurements.csv, so that a fit made again
/// from the file (<c>calibrate --refit</c>) says where its numbers came from, not where it was run.
/// </summary>
/// <param name="Machine">Kernel, CPU, CPUs and the date of the measurement (<see cref="Provenance.Machine"/>).</param>
/// <param name="RefitFrom">The stored file a refit read, or null for a fresh measurement.</param>
public sealed record MeasuredOn(string Machine, IptablesBackend Backend, int MessageBytes, int Rounds, int RejectedRounds, string? RefitFrom = null);

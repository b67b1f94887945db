using System.Globalization;

namespace NetPerf.Calibration.Probe;

/// <summary>
/// What one probe run measured: latency percentiles of its transactions, and over its measured phase the pinned
/// CPU's busy and steal time (/proc/stat) and the probes' own user-space time (getrusage, client and server).
/// </summary>
public sealed record ProbeResult(long Transactions, double P50Ns, double P90Ns, double P99Ns, double P999Ns, double MeanNs,
    double WallNs, double BusyNs, double StealNs, double ClientUserNs, double ServerUserNs, double ClientSystemNs = 0, double ServerSystemNs = 0)
{
    /// <summary>
    /// CPU per transaction: the two probe processes' own run time (getrusage user + system: the scheduler's exact
    /// sum_exec_runtime, which without IRQ time accounting includes the softirqs run in their context, i.e. the
    /// whole path on one CPU), so other programs on a shared machine do not count.
    /// </summary>
    public double CpuPerTransactionNs => FromProcStat ? BusyNs / Transactions : (ClientUserNs + ClientSystemNs + ServerUserNs + ServerSystemNs) / Transactions;

    /// <summary>CPU from the pinned CPU's /proc/stat busy time instead (a kernel with IRQ time accounting, <see cref="Linux.Requirements.IrqTimeAccounting"/>).</summary>
    public bool FromProcStat { get; init; }

    /// <summary>Of the measured phase's wall time, the share the probes did not run: other work on their CPU (or idle, which a one-CPU ping-pong never is).</summary>
    public double OtherWorkShare => WallNs <= 0 || FromProcStat ? 0 : Math.Max(0, 1 - ((ClientUserNs + ClientSystemNs + ServerUserNs + ServerSystemNs) / WallNs)); // from /proc/stat it cannot be told apart

    /// <summary>The probes' own user-space time per transaction (what the model charges as the application's).</summary>
    public double UserPerTransactionNs => (ClientUserNs + ServerUserNs) / Transactions;

    /// <summary>Kernel CPU per transaction: the probes' run time less their user time.</summary>
    public double KernelPerTransactionNs => CpuPerTransactionNs - UserPerTransactionNs;

    /// <summary>Reads the client's line ("n N p50 X ...") and the server's ("served N user_ns U ...", counted after its warm-up); the server's time is scaled to the client's measured transactions.</summary>
    public static ProbeResult Parse(string client, string server)
    {
        var c = Fields(client);
        var s = Fields(server);
        double n = c["n"];
        double served = s.TryGetValue("served", out var v) && v > 0 ? v : n;
        return new ProbeResult((long)n, c["p50"], c["p90"], c["p99"], c["p999"], c["mean"], c["wall_ns"], c["busy_ns"], c["steal_ns"],
            c["user_ns"], s.GetValueOrDefault("user_ns") * (n / served), c["sys_ns"], s.GetValueOrDefault("sys_ns") * (n / served));
    }

    private static Dictionary<string, double> Fields(string line)
    {
        var parts = line.Split(' ', StringSplitOptions.RemoveEmptyEntries);
        var map = new Dictionary<string, double>();
        for (int i = 0; i + 1 < parts.Length; i += 2)
        {
            if (double.TryParse(parts[i + 1], NumberStyles.Float, CultureInfo.InvariantCulture, out double x))
            {
                map[parts[i]] = x;
            }
        }

        if (map.Count == 0)
        {
            throw new CalibrationException($"the probe printed '{line.Trim()}', not its measurements");
        }

        return map;
    }
}

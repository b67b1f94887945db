using NetPerf.Calibration.Probe;

namespace NetPerf.Calibration.Tests.Probe;

/// <summary>Reading what the probe printed.</summary>
public class ProbeResultTests
{
    [Fact]
    public void CPU_per_transaction_is_both_probes_run_time_over_the_measured_transactions()
    {
        var r = ProbeResult.Parse(
            "n 1000 p50 10000 p90 11000 p99 13000 p999 40000 mean 10600 wall_ns 10600000 busy_ns 10000000 steal_ns 0 user_ns 300000 sys_ns 5000000",
            "served 1100 user_ns 220000 sys_ns 5500000");
        // The server also served the 100 warm-up transactions: its time is scaled to the measured 1,000.
        Assert.Equal((300_000 + 5_000_000 + 200_000 + 5_000_000) / 1000.0, r.CpuPerTransactionNs, 6);
        Assert.Equal(500, r.UserPerTransactionNs, 6);
        Assert.Equal(1 - (10_500_000 / 10_600_000.0), r.OtherWorkShare, 6);
    }

    [Fact]
    public void A_line_without_measurements_is_a_calibration_error_that_quotes_it()
    {
        var e = Assert.Throws<CalibrationException>(() => ProbeResult.Parse("bind: Address already in use", "served 0"));
        Assert.Contains("Address already in use", e.Message, StringComparison.Ordinal);
    }
}

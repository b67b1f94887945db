using NetPerf.Calibration.Fit;
using NetPerf.Calibration.Paths;
using NetPerf.Network.Cpu;
using NetPerf.Network.Netfilter;

namespace NetPerf.Calibration.Tests;

/// <summary>
/// The stored run refitted once for every test that reads it: a refit is minutes of Monte Carlo (four passes of the
/// interruptions' fit, every path simulated), and the fit is deterministic, so each test reading its own copy only
/// multiplied the assembly's time (four refits, 5.4 minutes of a CI run's 10).
/// </summary>
public sealed class StoredRunRefit
{
    public static readonly string[] Plugins = ["flannel-vxlan", "flannel-host-gw"];

    /// <summary>tools/kernel-costs/calibration-6.18.44-fc-v1252/chains-first-run/measurements.csv, copied beside the tests by the project file.</summary>
    public static string StoredRun => Path.Combine(AppContext.BaseDirectory, "StoredRun", "measurements.csv");

    /// <summary>
    /// The refit as the shipped profile was made: the stored run's machine ran BBR on qdiscs without fq, as
    /// scenarios/kind-calibrate.yaml says (tcpPacing: internal). The command line names another backend and message
    /// size than the file records, so that the tests can show that the file's are the ones the models run.
    /// </summary>
    public CalibrationOutcome Outcome { get; } = new Calibrator(
        new CalibrationOptions { TcpInternalPacing = true, Backend = IptablesBackend.Legacy, MessageBytes = 1000 }, TextWriter.Null).Refit(Plugins, StoredRun);
}

/// <summary>
/// calibrate --refit: a stored calibration's measurements.csv fitted again without measuring. The shipped kind
/// profile is such a refit of the stored run (tools/kernel-costs/calibration-6.18.44-fc-v1252/chains-first-run), so the committed fit
/// must give it back; and a refit says where the measurements were taken, not where it ran.
/// </summary>
public class RefitTests(StoredRunRefit refit) : IClassFixture<StoredRunRefit>
{
    private static readonly string[] Plugins = StoredRunRefit.Plugins;

    [Fact]
    public void The_shipped_kind_profile_is_what_the_committed_fit_makes_of_the_stored_measurements()
    {
        var outcome = refit.Outcome;
        var shipped = CostTable.Profile("kind");

        // Every stage to the cost file's 0.1 ns: a change to the model, the prior or the fit that is not followed by a
        // refit of the shipped profile (calibrate --refit, docs/calibration.md) shows here.
        foreach (var stage in Enum.GetValues<KernelStage>())
        {
            Assert.True(Math.Abs(outcome.Table[stage].FixedPicoseconds - shipped[stage].FixedPicoseconds) <= 100,
                $"{stage}: refit {outcome.Table[stage].FixedPicoseconds / 1000.0:F1} ns, shipped {shipped[stage].FixedPicoseconds / 1000.0:F1} ns");
        }

        Assert.Equal(shipped.InterferencePerMillisecond, outcome.Table.InterferencePerMillisecond, 2);
        Assert.Equal(shipped.PreemptionPerMillisecond, outcome.Table.PreemptionPerMillisecond, 2);
        Assert.Equal(shipped.ConnectionWorkSigma, outcome.Table.ConnectionWorkSigma, 3);
    }

    [Fact]
    public void The_stored_runs_new_connections_vary_as_a_whole_and_that_brings_their_held_out_p99_within_a_quarter()
    {
        var outcome = refit.Outcome;

        // TCP_CRR's p90 and p99 stand 1.10-1.45 and 1.54-2.38 times its median within a round here: a spread that
        // interruptions fitted on 10-25 us request/response paths cannot give, and that the connection's work does.
        Assert.InRange(outcome.Table.ConnectionWorkSigma, 0.1, 0.3);
        Assert.False(outcome.ConnectionWork!.AtLimit);
        foreach (var r in outcome.Rows.Where(r => r.Role == PathRole.HeldOut && r.Path.Contains("tcp-crr", StringComparison.Ordinal)))
        {
            double allowed = r.Metric switch { "p99_us" => 0.25, "p50_us" => 0.10, _ => 0.15 };
            Assert.True(Math.Abs(r.Error) <= allowed, $"{r.Path} {r.Metric}: {r.Error:P1}, allowed {allowed:P0}");
        }
    }

    [Fact]
    public void A_refit_names_the_machine_backend_and_rounds_its_file_records_not_its_own()
    {
        // The refit was asked for iptables-legacy and 1000 B (StoredRunRefit); the file says where and how it was
        // measured, and the command line's backend and message size do not override it.
        var outcome = refit.Outcome;
        Assert.StartsWith("Linux 6.18.44-fc-v1252", outcome.MeasuredOn.Machine, StringComparison.Ordinal);
        Assert.Equal(IptablesBackend.Nft, outcome.MeasuredOn.Backend);
        Assert.Equal(64, outcome.MeasuredOn.MessageBytes);
        Assert.Equal("measurements.csv", outcome.MeasuredOn.RefitFrom);
        string source = outcome.Table.Sources[KernelStage.ConntrackNew];
        Assert.Contains("Linux 6.18.44-fc-v1252", source, StringComparison.Ordinal);
        Assert.Contains("iptables-nft", source, StringComparison.Ordinal);
        Assert.Contains("fitted again from measurements.csv", source, StringComparison.Ordinal);
    }

    [Fact]
    public void A_measurements_file_written_and_read_back_keeps_its_provenance_and_one_file_holds_one_calibration()
    {
        var first = refit.Outcome;
        var written = new StringWriter();
        CalibrationCsv.WriteMeasurements(written, first with { MeasuredOn = first.MeasuredOn with { Machine = "Linux 9.9, a test CPU, 1 CPUs, 2030-01-01", RejectedRounds = 2 } });
        string dir = Directory.CreateTempSubdirectory("netperf-refit-").FullName;
        try
        {
            string file = Path.Combine(dir, "measurements.csv");
            File.WriteAllText(file, written.ToString());
            var (measurements, on) = CalibrationCsv.ReadMeasurements(file, CalibrationPath.For(Plugins));
            Assert.Equal(first.Measurements.Sum(m => m.Rounds.Count), measurements.Sum(m => m.Rounds.Count));
            Assert.Equal("Linux 9.9, a test CPU, 1 CPUs, 2030-01-01", on!.Machine);
            Assert.Equal(2, on.RejectedRounds);

            // A row from another calibration (another machine) appended to the file is refused at its line.
            var lines = File.ReadAllLines(file).ToList();
            lines.Add(lines[^1].Replace("Linux 9.9, a test CPU", "Linux 1.0, another CPU", StringComparison.Ordinal));
            File.WriteAllLines(file, lines);
            var e = Assert.Throws<CalibrationException>(() => CalibrationCsv.ReadMeasurements(file, CalibrationPath.For(Plugins)));
            Assert.Contains($"measurements.csv:{lines.Count}:", e.Message, StringComparison.Ordinal);
            Assert.Contains("one measurements.csv holds one calibration", e.Message, StringComparison.Ordinal);
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }
}

/// <summary>
/// The probes' user time: getrusage splits a process's exact run time into user and system by the ticks it sampled
/// (kernel/sched/cputime.c cputime_adjust, without CONFIG_VIRT_CPU_ACCOUNTING_GEN), so a run of 10,000 transactions
/// at HZ=250 sees a user tick or two and one path's own figure is mostly noise; the probe's code is the same on every path.
/// </summary>
public class ProbeUserTimeTests
{
    private static NetPerf.Calibration.Probe.ProbeResult Run(double userNs) => new(10_000, 12_000, 13_000, 15_000, 20_000, 12_500, WallNs: 130_000_000, BusyNs: 0, StealNs: 0, ClientUserNs: userNs * 10_000, ServerUserNs: 0, ClientSystemNs: 50_000_000, ServerSystemNs: 60_000_000);

    [Fact]
    public void Every_path_of_a_probe_takes_its_user_time_pooled_over_the_fit_paths_runs()
    {
        var paths = CalibrationPath.For(["flannel-host-gw"]);
        var lo = paths.First(p => p.Name == "udp lo");
        var veth = paths.First(p => p.Name == "udp veth");
        var held = paths.First(p => p.Name == "flannel-host-gw udp pod-cross-node");
        var tcp = paths.First(p => p.Name == "tcp lo");
        var measured = new List<PathMeasurement>
        {
            new(lo, [Run(0), Run(1600)]),      // one user tick in two runs
            new(veth, [Run(400), Run(400)]),
            new(held, [Run(4000), Run(0)]),    // held out: its own ticks do not count
            new(tcp, [Run(700), Run(700)]),
        };

        var pooled = Calibrator.WithPooledProbeUserTime(measured);
        Assert.All(pooled.Where(m => m.Path.Probe == NetPerf.Calibration.Probe.ProbeKind.UdpRr), m => Assert.Equal(600, m.UserNs, 6));
        Assert.Equal(700, pooled.Single(m => m.Path == tcp).UserNs, 6);

        // The typical kernel time is the quietest round's median less that pooled figure.
        Assert.Equal(12_000 - 600, pooled.Single(m => m.Path == veth).TypicalKernelNs, 6);
    }
}

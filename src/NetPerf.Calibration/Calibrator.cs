using NetPerf.Calibration.Fit;
using NetPerf.Calibration.Linux;
using NetPerf.Calibration.Paths;
using NetPerf.Calibration.Probe;
using NetPerf.Network.Cpu;

namespace NetPerf.Calibration;

/// <summary>
/// netperf calibrate: builds every path from real namespaces on this machine, measures them in interleaved
/// rounds (rejecting rounds in which the machine moved), fits the cost table on the single-hop paths
/// (<see cref="CostFit"/>, <see cref="InterferenceFit"/>), and predicts every path with the fitted table, so the
/// held-out paths show how far the model can be trusted here. Everything it builds is removed when it ends.
/// </summary>
public sealed class Calibrator(CalibrationOptions options, TextWriter log)
{
    public CalibrationOutcome Run(IReadOnlyList<string> cnis, CancellationToken cancel = default)
    {
        Requirements.Check(options.Backend);
        int stale = NamespaceLab.RemoveStale();
        if (stale > 0)
        {
            log.WriteLine($"calibrate: removed {stale} namespace(s) left by a calibration that was killed");
        }

        var paths = CalibrationPath.For(cnis);
        using var lab = new NamespaceLab();
        using var probe = ProbeBinary.Build();
        bool procStat = Requirements.IrqTimeAccounting();
        if (procStat)
        {
            log.WriteLine("calibrate: this kernel accounts interrupt time apart from tasks (CONFIG_IRQ_TIME_ACCOUNTING), so CPU comes from the pinned CPU's /proc/stat (10 ms ticks: coarser, and other programs on that CPU count)");
        }

        var runner = new ProbeRunner(lab, probe, options.Cpu, procStat);
        log.WriteLine($"calibrate: building {paths.Count} paths from namespaces (iptables-{options.Backend.ToString().ToLowerInvariant()}), probes on CPU {options.Cpu}");
        var endpoints = Build(lab, paths);
        foreach (var path in paths)
        {
            cancel.ThrowIfCancellationRequested(); // between probe runs: the lab is then disposed by its using, whole
            if (path.Probe == ProbeKind.TcpStream)
            {
                MeasureStream(runner, endpoints[path], milliseconds: 100);
                continue;
            }

            Measure(runner, path, endpoints[path], warmup: 200, count: 500); // neighbours, FDBs and conntrack settle before anything is measured
        }

        var rounds = new List<Dictionary<CalibrationPath, ProbeResult>>();
        for (int r = 0; r < options.Rounds; r++)
        {
            var round = new Dictionary<CalibrationPath, ProbeResult>();
            foreach (int index in RoundOrder(r, paths.Count))
            {
                cancel.ThrowIfCancellationRequested();
                var path = paths[index];
                int count = path.Probe == ProbeKind.TcpCrr ? options.Transactions / 5 : options.Transactions;
                if (path.Probe == ProbeKind.TcpStream)
                {
                    round[path] = MeasureStream(runner, endpoints[path], milliseconds: Math.Max(200, options.Transactions / 25));
                    continue;
                }

                round[path] = Measure(runner, path, endpoints[path], options.WarmupTransactions / (path.Probe == ProbeKind.TcpCrr ? 5 : 1), count);
            }

            var lo = round[paths[0]];
            log.WriteLine($"calibrate: round {r + 1}/{options.Rounds}: loopback p50 {lo.P50Ns / 1000:F2} us, p99 {lo.P99Ns / 1000:F2} us, steal {round.Values.Sum(x => x.StealNs) / round.Values.Sum(x => x.WallNs):P1}, other work on the CPU {round.Values.Select(x => x.OtherWorkShare).Order().ElementAt(round.Count / 2):P1}");
            rounds.Add(round);
        }

        var (accepted, rejected) = AcceptRounds(rounds, paths[0]);
        var measurements = paths.Select(p => new PathMeasurement(p, accepted.Select(r => r[p]).ToList())).ToList();
        var on = new MeasuredOn(Provenance.Machine(), options.Backend, options.MessageBytes, rounds.Count, rejected);
        try
        {
            return Fit(paths, measurements, on);
        }
        catch (Exception e) when (e is InvalidOperationException or ArgumentException or ArithmeticException)
        {
            // A model that cannot run a path is NetPerf's defect, not the machine's: keep what minutes of probing measured.
            throw new CalibrationFitException($"the measurements are whole, but the model failed on them: {e.Message}", measurements, on);
        }
    }

    /// <summary>
    /// The fit and the predictions from a stored calibration's measurements.csv: what the model now makes of
    /// measurements already taken (nothing is built or probed). Paths the file lacks are left out, and said so.
    /// </summary>
    public CalibrationOutcome Refit(IReadOnlyList<string> cnis, string measurementsCsv)
    {
        var all = CalibrationPath.For(cnis);
        var (measurements, stored) = CalibrationCsv.ReadMeasurements(measurementsCsv, all);
        var paths = all.Where(p => measurements.Any(m => m.Path == p)).ToList();
        var absent = all.Where(p => measurements.All(m => m.Path != p)).Select(p => p.Name).ToList();
        if (measurements.All(m => m.Path != all[0]))
        {
            throw new CalibrationException($"{measurementsCsv}: no rows for {all[0].Name}, the reference every fit needs");
        }

        if (absent.Count > 0)
        {
            log.WriteLine($"calibrate: {measurementsCsv} has no rows for {string.Join(", ", absent)} (measured before these paths were): fitted and predicted without them");
        }

        log.WriteLine($"calibrate: fitting again from {measurementsCsv} ({measurements.Sum(m => m.Rounds.Count)} probe runs; nothing is measured)");
        int accepted = measurements.Max(m => m.Rounds.Count);
        var on = stored ?? new MeasuredOn($"a machine {measurementsCsv} does not record (written before calibrate recorded it)", options.Backend, options.MessageBytes, accepted, 0);
        on = on with { RefitFrom = Path.GetFileName(measurementsCsv) };
        if (stored is null)
        {
            log.WriteLine($"calibrate: {measurementsCsv} does not say where it was measured, with which iptables backend or message size: taken as iptables-{options.Backend.ToString().ToLowerInvariant()}, {options.MessageBytes} B");
        }
        else
        {
            log.WriteLine($"calibrate: measured on {stored.Machine}, iptables-{stored.Backend.ToString().ToLowerInvariant()}, {stored.MessageBytes} B, {stored.Rounds - stored.RejectedRounds} of {stored.Rounds} round(s) accepted; the models are run as measured");
        }

        // The models must run what was measured: the file's backend and message size, not this command line's.
        return new Calibrator(options with { Backend = on.Backend, MessageBytes = on.MessageBytes }, log).Fit(paths, measurements, on);
    }

    /// <summary>The fit and the predictions from measurements (separate from measuring, so that tests can give measurements of their own).</summary>
    public CalibrationOutcome Fit(IReadOnlyList<CalibrationPath> paths, IReadOnlyList<PathMeasurement> measurements, MeasuredOn on)
    {
        int rejectedRounds = on.RejectedRounds, totalRounds = on.Rounds;
        measurements = WithPooledProbeUserTime(measurements);
        var prior = CostTable.Default();
        var fitPaths = measurements.Where(m => m.Path.Role == PathRole.Fit).ToList();
        var lo = fitPaths.First(m => m.Path.Bed == Testbed.Loopback && m.Path.Probe == ProbeKind.UdpRr);
        // Only a chain of hops tells a stage's first run on a journey from its later ones: without the chain testbeds
        // (measurements stored before them), or unless asked (--fit-first-run, experimental), no premium is fitted.
        bool chains = options.FitFirstRun && fitPaths.Any(m => m.Path.Bed is Testbed.RoutedChain or Testbed.RoutedChainConntrack or Testbed.BridgeChain or Testbed.BridgeChainConntrack);
        var none = new Dictionary<KernelStage, double>();
        var priorNs = fitPaths.ToDictionary(m => m, m => (Ns: FitModel(m.Path, prior), PerByte: PerByte(m.Path, prior), Cold: chains ? ColdNs(m.Path, prior) : none));

        // The stages and the interruptions are fitted in turn until they agree: a measured median holds the
        // interruptions its transaction met, so the stages are fitted to the median less what the fitted interruptions
        // add to it (InterferenceFit.MedianDelayNs), and the interruptions then to the spread about the stages. A
        // stream's figure is CPU per KiB, not a median: it is fitted as measured.
        var delay = fitPaths.ToDictionary(m => m, _ => 0.0);
        var differenceOf = fitPaths.Select(m => m.Path.Bed is { } own && Testbeds.FittedAsDifferenceFrom(own) is { } bed
            ? fitPaths.FindIndex(b => b.Path.Bed == bed && b.Path.Probe == m.Path.Probe) : -1).ToList();
        FitResult fit = null!;
        CostTable table = null!;
        InterferenceFit.Result spread = null!;
        for (int pass = 0; pass < FitPasses; pass++)
        {
            // A path fitted as its difference from another gets that difference as the rounds measured it, side by
            // side (PathMeasurement.PairedP50DifferenceNs), on top of its base's level: only the difference enters the fit.
            double Target(int i)
            {
                var m = fitPaths[i];
                if (differenceOf[i] < 0)
                {
                    return m.TypicalKernelNs - delay[m];
                }

                var q = fitPaths[differenceOf[i]];
                return q.TypicalKernelNs - delay[q] + m.PairedP50DifferenceNs(q) - (m.UserNs - q.UserNs) - (delay[m] - delay[q]);
            }

            var equations = fitPaths.Select((m, i) => (m.Path.Name, PriorNs: priorNs[m].Ns, PerByteNs: priorNs[m].PerByte, ColdNs: priorNs[m].Cold, MeasuredNs: Target(i))).ToList();
            fit = CostFit.Fit(prior, equations, differenceOf);
            table = fit.Table;
            // The fitted stages' time on each path, as the fit's linear model has it (its target times 1 + its residual).
            var kernel = fitPaths.Select((m, i) => (m, i)).ToDictionary(x => x.m, x => equations[x.i].MeasuredNs * (1 + fit.Residuals[x.i]));
            // The request/response fit paths' tails, loopback first (CRR's spread is its connections' own, a stream has none).
            var tails = fitPaths.Where(m => m.Path.Probe is ProbeKind.UdpRr or ProbeKind.TcpRr).OrderBy(m => m == lo ? 0 : 1)
                .Select(m => new InterferenceFit.Tail(m.Path.Name, kernel[m], m.UserNs, m.P50Ns, m.P90Ns, m.P99Ns, m.P999Ns, m.MeanNs)).ToList();
            spread = InterferenceFit.Fit(tails);
            foreach (var m in fitPaths.Where(m => m.Path.Probe != ProbeKind.TcpStream))
            {
                delay[m] = InterferenceFit.MedianDelayNs(spread, kernel[m], m.UserNs);
            }
        }

        table.InterferencePerMillisecond = spread.RatePerMs;
        table[KernelStage.Interference] = StageCost.Nanoseconds(spread.MeanNs);
        table.PreemptionPerMillisecond = spread.RareRatePerMs;
        table[KernelStage.Preemption] = StageCost.Nanoseconds(spread.RareMeanNs);
        Provenance.Stamp(table, fit, spread, lo, fitPaths.Select(m => (m.Path.Name, m.TypicalKernelNs - delay[m])).ToList(), on);

        // A new connection's own spread, on the TCP_CRR fit paths, with the interruptions fixed.
        ConnectionWorkFit.Result? connectionWork = null;
        var crr = fitPaths.Where(m => m.Path.Probe == ProbeKind.TcpCrr).ToList();
        if (crr.Count > 0)
        {
            connectionWork = ConnectionWorkFit.Fit(crr.Select(m => new ConnectionWorkFit.Path(m.Path.Name, FitModel(m.Path, table).Values.Sum(), m.UserNs, m.Median(r => r.P90Ns / r.P50Ns), m.Median(r => r.P99Ns / r.P50Ns))).ToList(), spread);
            table.ConnectionWorkSigma = connectionWork.Sigma;
            Provenance.StampConnectionWork(table, connectionWork, on);
        }

        var rows = new List<CalibrationRow>();
        var predicted = new Dictionary<CalibrationPath, ModelFigures>();
        foreach (var m in measurements)
        {
            log.WriteLine($"calibrate: predicting {m.Path.Name}");
            var model = Predict(m.Path, table, m.UserNs);
            predicted[m.Path] = model;
            if (m.Path.Probe == ProbeKind.TcpStream)
            {
                // A stream's figures: goodput (8 Kibit over the wall time per KiB) and CPU per KiB, all on one CPU.
                rows.Add(new(m.Path.Name, m.Path.Role, "goodput_gbps", 8192 / m.P50Ns, model.GoodputGbps, m.Spread(r => r.P50Ns)));
                rows.Add(new(m.Path.Name, m.Path.Role, "cpu_per_kib_ns", m.CpuNs, model.KernelCpuNs - model.CpuByStageNs.GetValueOrDefault(KernelStage.Preemption), m.Spread(r => r.CpuPerTransactionNs)));
                continue;
            }

            rows.Add(new(m.Path.Name, m.Path.Role, "p50_us", m.P50Ns / 1000, model.P50Ns / 1000, m.Spread(r => r.P50Ns)));
            if (!double.IsNaN(model.P99Ns))
            {
                rows.Add(new(m.Path.Name, m.Path.Role, "p99_us", m.P99Ns / 1000, model.P99Ns / 1000, m.Spread(r => r.P99Ns)));
            }

            // Preemption is another thread's time on the CPU: the probes' own run time does not hold it, so neither does the prediction.
            double preempted = model.CpuByStageNs.GetValueOrDefault(KernelStage.Preemption);
            rows.Add(new(m.Path.Name, m.Path.Role, "cpu_per_transaction_us", m.CpuNs / 1000, (model.KernelCpuNs - preempted + m.UserNs) / 1000, m.Spread(r => r.CpuPerTransactionNs)));
        }

        var ratios = new List<CalibrationRow>();
        var vx = measurements.FirstOrDefault(m => m.Path.Cni == "flannel-vxlan" && m.Path.Path == Scenarios.Model.CommunicationPath.PodCrossNode && m.Path.Probe == ProbeKind.UdpRr);
        var gw = measurements.FirstOrDefault(m => m.Path.Cni == "flannel-host-gw" && m.Path.Path == Scenarios.Model.CommunicationPath.PodCrossNode && m.Path.Probe == ProbeKind.UdpRr);
        if (vx is not null && gw is not null)
        {
            ratios.Add(new("vxlan / host-gw udp pod-cross-node", PathRole.HeldOut, "p50_ratio", vx.P50Ns / gw.P50Ns, predicted[vx.Path].P50Ns / predicted[gw.Path].P50Ns, 0));
        }

        // The shipped kind profile against this fresh measurement: how far a user who does not calibrate is off here.
        var shipped = CostTable.Profile("kind");
        var profileRows = new List<CalibrationRow>();
        foreach (var m in measurements.Where(m => m.Path.Role == PathRole.HeldOut && m.Path.Probe != ProbeKind.TcpStream))
        {
            var model = Predict(m.Path, shipped, m.UserNs);
            profileRows.Add(new(m.Path.Name, m.Path.Role, "p50_us", m.P50Ns / 1000, model.P50Ns / 1000, m.Spread(r => r.P50Ns)));
        }

        var warnings = new List<string>();
        foreach (var (group, factor, atBound) in fit.Factors.Where(f => f.AtBound))
        {
            warnings.Add($"the {group.Name} group is held at its bound (x{factor:F2}): its paths ({group.MeasuredBy}) disagree with any physical cost; a noisy run, or a hop the model lacks");
        }

        if (totalRounds - rejectedRounds < 3)
        {
            warnings.Add($"only {totalRounds - rejectedRounds} round(s) agreed on the loopback median: the machine was busy; run again when it is quiet");
        }

        foreach (var m in fitPaths.Where(m => m.Spread(r => r.P50Ns) > 0.10))
        {
            warnings.Add($"fit path {m.Path.Name} moved {m.Spread(r => r.P50Ns):P0} between rounds: its fitted stages carry that noise");
        }

        if (measurements.Select(m => m.OtherWorkShare).DefaultIfEmpty().Max() > 0.10)
        {
            warnings.Add($"other programs took up to {measurements.Max(m => m.OtherWorkShare):P0} of the probes' CPU: latency figures include their time slices");
        }

        if (connectionWork is { AtLimit: true })
        {
            warnings.Add($"the new connections' spread ended at the top of its grid (sigma {ConnectionWorkFit.MaxSigma}): the TCP_CRR tail is not a connection's own work (other programs' time slices?)");
        }

        if (spread.RareMeanNs >= InterferenceFit.MaxMeanNs * 0.99 || spread.RareRatePerMs >= InterferenceFit.MaxRatePerMs * 0.99)
        {
            warnings.Add("the long interruptions' fit ended at the edge of its grid: the loopback tail is made of other programs' time slices, not the kernel's own interruptions");
        }

        return new CalibrationOutcome(table, fit, spread, measurements, rows, ratios, rejectedRounds, totalRounds) { ShippedProfileRows = profileRows, Warnings = warnings, MeasuredOn = on, ConnectionWork = connectionWork };
    }

    /// <summary>
    /// Every path's probe user time taken as its probe's over the fit paths (<see cref="PathMeasurement.UserNs"/>):
    /// the tick-sampled user share of all their runs together, so that neither a fit path's target nor a held-out
    /// path's prediction carries its own few ticks' noise, and the held-out paths are predicted from fit data alone.
    /// </summary>
    internal static IReadOnlyList<PathMeasurement> WithPooledProbeUserTime(IReadOnlyList<PathMeasurement> measurements)
    {
        var pooled = measurements.Where(m => m.Path.Role == PathRole.Fit && m.Rounds.Count > 0).GroupBy(m => m.Path.Probe).ToDictionary(
            g => g.Key,
            g => g.Sum(m => m.Rounds.Sum(r => r.ClientUserNs + r.ServerUserNs)) / g.Sum(m => m.Rounds.Sum(r => r.Transactions)));
        return measurements.Select(m => pooled.TryGetValue(m.Path.Probe, out double user) ? m with { ProbeUserNs = user } : m).ToList();
    }

    private Dictionary<CalibrationPath, (string Client, string Server, string Bind, string Target, int? Port)> Build(NamespaceLab lab, IReadOnlyList<CalibrationPath> paths)
    {
        var built = new Dictionary<CalibrationPath, (string, string, string, string, int?)>();
        var clusters = new Dictionary<string, KindCluster>();
        int t = 0;
        foreach (var path in paths)
        {
            if (path.Path is null || path.Role == PathRole.Fit)
            {
                var bed = TestbedLab.Build(lab, path.Bed!.Value, options.Backend, $"t{t++}");
                built[path] = (bed.Sender, bed.Receiver, bed.BindIp, bed.TargetIp, null);
                continue;
            }

            if (!clusters.TryGetValue(path.Cni!, out var k))
            {
                clusters[path.Cni!] = k = KindCluster.Build(lab, path.Cni!, options.Backend, $"k{clusters.Count}");
            }

            built[path] = path.Path switch
            {
                Scenarios.Model.CommunicationPath.PodSameNode => (k.Client, k.Web0, "10.244.1.3", "10.244.1.3", null),
                Scenarios.Model.CommunicationPath.PodCrossNode => (k.Client, k.Web1, "10.244.2.2", "10.244.2.2", null),
                Scenarios.Model.CommunicationPath.ClusterIp => (k.Client, k.Web1, "0.0.0.0", KindCluster.ServiceIp, KindCluster.ServicePort),
                Scenarios.Model.CommunicationPath.NodePort => (k.Outside, k.Web1, "0.0.0.0", KindCluster.NodeIp(1), KindCluster.NodePort),
                _ => throw new CalibrationException($"calibrate does not measure {path.Path} yet"),
            };
        }

        return built;
    }

    private static ProbeResult MeasureStream(ProbeRunner runner, (string Client, string Server, string Bind, string Target, int? Port) e, int milliseconds) =>
        runner.RunStream(e.Client, e.Server, e.Bind, e.Target, milliseconds, e.Port, e.Port is null ? null : KindCluster.ServerPort);

    private ProbeResult Measure(ProbeRunner runner, CalibrationPath path, (string Client, string Server, string Bind, string Target, int? Port) e, int warmup, int count) =>
        runner.Run(path.Probe, e.Client, e.Server, e.Bind, e.Target, options.MessageBytes, warmup, count,
            targetPort: e.Port, serverPort: e.Port is null ? null : KindCluster.ServerPort);

    /// <summary>The per-byte part of the per-byte groups' stages on a fit path (its nanoseconds less those with the per-byte parts at zero).</summary>
    private IReadOnlyDictionary<KernelStage, double> PerByte(CalibrationPath path, CostTable costs)
    {
        var stages = StageGroup.All.Where(g => g.PerByte).SelectMany(g => g.Stages).ToList();
        var flat = costs.Clone();
        foreach (var stage in stages)
        {
            flat[stage] = flat[stage] with { PicosecondsPerByte = 0 };
        }

        var full = FitModel(path, costs);
        var without = FitModel(path, flat);
        return stages.ToDictionary(s => s, s => full.GetValueOrDefault(s) - without.GetValueOrDefault(s));
    }

    /// <summary>Rounds of fitting the stages and the interruptions in turn: on the stored run (tools/kernel-costs) no stage moves by more than 0.5 ns between the fourth and the seventh.</summary>
    private const int FitPasses = 4;

    /// <summary>
    /// Simulated time per TCP fit path's model: 50 ms is about 700 new connections (a TCP_CRR transaction takes
    /// about 70 us here), so the model's per-transaction stage times are means over hundreds, not over the few
    /// dozen that a short run's start and end would distort.
    /// </summary>
    private static readonly Engine.Time.SimTime FitModelDuration = Engine.Time.SimTime.FromMilliseconds(50);

    /// <summary>
    /// What a fit path's kernel time would gain by stage if each <see cref="StageGroup.Cold"/> group's first run on a
    /// packet's journey cost its fixed cost once more: the unit of the fit's first-run premiums.
    /// </summary>
    private IReadOnlyDictionary<KernelStage, double> ColdNs(CalibrationPath path, CostTable prior)
    {
        var cold = prior.Clone();
        foreach (var stage in StageGroup.All.Where(g => g.Cold).SelectMany(g => g.Stages))
        {
            cold[stage] = cold[stage] with { ColdPicoseconds = prior[stage].FixedPicoseconds };
        }

        var with = FitModel(path, cold);
        var without = FitModel(path, prior);
        return with.Keys.Union(without.Keys).ToDictionary(s => s, s => with.GetValueOrDefault(s) - without.GetValueOrDefault(s));
    }

    /// <summary>A fit path's kernel nanoseconds by stage under <paramref name="costs"/>, without interference.</summary>
    private IReadOnlyDictionary<KernelStage, double> FitModel(CalibrationPath path, CostTable costs)
    {
        if (path.Probe == ProbeKind.UdpRr)
        {
            return TestbedModel.CpuByStage(path.Bed!.Value, costs, options.MessageBytes, options.Backend);
        }

        var quiet = costs.Clone();
        quiet.InterferencePerMillisecond = quiet.PreemptionPerMillisecond = 0;
        quiet.ConnectionWorkSigma = 0; // the median connection: its spread is fitted after, on the percentiles
        var model = path.Path is null
            ? TestbedTcpModel.Run(path.Bed!.Value, path.Probe, quiet, options.MessageBytes, 0, FitModelDuration, seed: 1, options.Backend, options.TcpInternalPacing)
            : ClusterModel.Run(path, quiet, options.MessageBytes, 0, FitModelDuration, seed: 1, options.Backend, options.TcpInternalPacing);
        return model.CpuByStageNs.Where(kv => kv.Key is not (KernelStage.Interference or KernelStage.Preemption)).ToDictionary();
    }

    /// <summary>The fitted model's figures for a path: the kind cluster's simulation (testbeds: their CPU, and the loopback cluster path's spread scaled to it).</summary>
    private ModelFigures Predict(CalibrationPath path, CostTable table, double userNs)
    {
        if (path.Path is { } cluster)
        {
            return ClusterModel.Run(path, table, options.MessageBytes, userNs, options.ModelDuration, seed: 1, options.Backend, options.TcpInternalPacing);
        }

        if (path.Probe != ProbeKind.UdpRr)
        {
            return TestbedTcpModel.Run(path.Bed!.Value, path.Probe, table, options.MessageBytes, userNs, options.ModelDuration, seed: 1, options.Backend, options.TcpInternalPacing);
        }

        // A UDP testbed is not a cluster: its model is the same stages without a topology to simulate over time, so
        // its latency is its CPU (one core) and its tail is not predicted.
        var quiet = table.Clone();
        quiet.InterferencePerMillisecond = quiet.PreemptionPerMillisecond = 0;
        var byStage = TestbedModel.CpuByStage(path.Bed!.Value, quiet, options.MessageBytes, options.Backend);
        double kernel = byStage.Values.Sum();
        double interrupted = table.InterferencePerMillisecond / 1e6 * table[KernelStage.Interference].FixedPicoseconds / 1000;
        var interruptions = new InterferenceFit.Result(table.InterferencePerMillisecond, table[KernelStage.Interference].FixedPicoseconds / 1000.0,
            table.PreemptionPerMillisecond, table[KernelStage.Preemption].FixedPicoseconds / 1000.0, 0, 0, 0, 0);
        double median = kernel + userNs + InterferenceFit.MedianDelayNs(interruptions, kernel, userNs); // as the cluster's simulation draws them
        return new ModelFigures(median, double.NaN, median, kernel * (1 + interrupted), byStage);
    }

    /// <summary>
    /// The order round <paramref name="round"/> measures <paramref name="count"/> paths in: interleaved, the even
    /// rounds each starting further on, so that a slow phase of the machine hits every path alike; and every odd round
    /// the previous round backwards (A B, then B A), so that a path fitted as its paired difference from the path
    /// measured just before it (routed+dnat after routed+conntrack) is not always measured second on a machine whose
    /// state drifts within a round (its caches warm, another program wakes): over two rounds every pair of paths is
    /// measured in both orders.
    /// </summary>
    internal static IEnumerable<int> RoundOrder(int round, int count)
    {
        int start = round - (round % 2);
        for (int i = 0; i < count; i++)
        {
            int step = round % 2 == 0 ? i : count - 1 - i;
            yield return (start + step) % count;
        }
    }

    private (List<Dictionary<CalibrationPath, ProbeResult>> Accepted, int Rejected) AcceptRounds(List<Dictionary<CalibrationPath, ProbeResult>> rounds, CalibrationPath reference)
    {
        var p50s = rounds.Select(r => r[reference].P50Ns).Order().ToArray();
        double median = p50s[p50s.Length / 2];
        var accepted = rounds.Where(r => Math.Abs((r[reference].P50Ns / median) - 1) <= options.DriftLimit).ToList();
        int rejected = rounds.Count - accepted.Count;
        if (rejected > 0)
        {
            log.WriteLine($"calibrate: {rejected} of {rounds.Count} round(s) rejected: their loopback median moved more than {options.DriftLimit:P0} from the others' (a busy or noisy machine)");
        }

        return (accepted, rejected);
    }
}

/// <summary>What a calibration found: the fitted table and how it was fitted, every path's measurements, and predicted against measured.</summary>
public sealed record CalibrationOutcome(CostTable Table, FitResult Fit, InterferenceFit.Result Spread, IReadOnlyList<PathMeasurement> Measurements,
    IReadOnlyList<CalibrationRow> Rows, IReadOnlyList<CalibrationRow> Ratios, int RejectedRounds, int Rounds)
{
    /// <summary>The held-out paths' p50 as the shipped kind profile predicts them, against this measurement.</summary>
    public IReadOnlyList<CalibrationRow> ShippedProfileRows { get; init; } = [];

    /// <summary>What makes this calibration less trustworthy than it looks (a noisy machine, a group at its bound).</summary>
    public IReadOnlyList<string> Warnings { get; init; } = [];

    /// <summary>The spread of a new connection's work, fitted on the TCP_CRR fit paths (null without them).</summary>
    public ConnectionWorkFit.Result? ConnectionWork { get; init; }

    /// <summary>Where and how the measurements were taken (for a refit: as its file records).</summary>
    public MeasuredOn MeasuredOn { get; init; } = new("unknown", Network.Netfilter.IptablesBackend.Nft, 64, Rounds, RejectedRounds);
}

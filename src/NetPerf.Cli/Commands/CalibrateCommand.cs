using System.CommandLine;
using System.Globalization;
using NetPerf.Calibration;
using NetPerf.Calibration.Paths;
using NetPerf.Network.Netfilter;
using NetPerf.Reporting;
using Requirements = NetPerf.Calibration.Linux.Requirements;

namespace NetPerf.Cli.Commands;

/// <summary>
/// <c>netperf calibrate</c>: the scenario's kind cluster built for real from namespaces on this machine, every
/// path measured, the cost table fitted on the single-hop paths, and predicted against measured on every path,
/// the held-out ones marked. Writes the fitted cost file (usable as a scenario's costFile) beside the comparison.
/// </summary>
public static class CalibrateCommand
{
    /// <summary>calibrate cannot run on this machine (not Linux, not root, a tool missing); the message says what to do.</summary>
    public const int CannotCalibrate = 6;

    public static Command Build(TextWriter output, TextWriter error)
    {
        var file = ScenarioFile.Argument();
        var allowOutside = ScenarioFile.AllowOutside();
        var rounds = new Option<int>("--rounds")
        {
            Description = "Interleaved rounds over every path (medians over the accepted ones).",
            DefaultValueFactory = _ => 5,
            CustomParser = OptionParsers.Between("--rounds", 1, 50, "each round probes every path once"),
        };
        var transactions = new Option<int>("--transactions")
        {
            Description = "Measured transactions per probe run.",
            DefaultValueFactory = _ => 10_000,
            CustomParser = OptionParsers.Between("--transactions", 1000, 1_000_000, "fewer cannot place a p99; more take minutes per path"),
        };
        var cpu = new Option<int?>("--cpu")
        {
            Description = "The CPU the probes (and so every kernel stage) run on (default: the last).",
            CustomParser = r => OptionParsers.Between("--cpu", 0, Environment.ProcessorCount - 1, $"this machine's CPUs are 0 to {Environment.ProcessorCount - 1}")(r),
        };
        var iptables = new Option<string>("--iptables") { Description = "The backend kube-proxy's rules are written with: nft (current distributions) or legacy.", DefaultValueFactory = _ => "nft" };
        iptables.AcceptOnlyFromAmong("nft", "legacy");
        var refit = new Option<FileInfo?>("--refit")
        {
            Description = "Fit again from a stored calibration's measurements.csv instead of measuring (no root needed): the model's predictions for measurements already taken, e.g. after the model changed.",
        };
        var firstRun = new Option<bool>("--fit-first-run")
        {
            Description = "Experimental: also fit a premium for a hop's first run on a packet's journey (cold_ns), from the chain testbeds (docs/calibration.md).",
        };
        var outputRoot = OutputFormats.ResultsDir("Results root: writes <results-dir>/<scenario>/calibration-<time>/ (formerly -o/--output).");
        var format = OutputFormats.Option("the same as table; json and yaml: the fit and every row of calibration.csv as data");
        var command = new Command("calibrate", "Build the scenario's kind cluster from real namespaces (Linux, root), measure every path, fit the cost table on the single-hop paths and report predicted against measured, held-out paths marked.")
        {
            file, allowOutside, rounds, transactions, cpu, iptables, refit, firstRun, outputRoot, format,
        };
        command.SetAction((parse, token) =>
        {
            var scenario = ScenarioFile.Load(parse.GetValue(file)!, error, parse.GetValue(allowOutside));
            if (scenario is null)
            {
                return Task.FromResult(ExitCodes.InvalidScenario);
            }

            if (scenario.Cluster.Fabric != Kubernetes.Cluster.ClusterFabric.Kind)
            {
                error.WriteLine($"netperf: calibrate builds a kind cluster (nodes as namespaces on this machine); {scenario.Name} has cluster.fabric: switch. Set fabric: kind (see scenarios/kind-calibrate.yaml).");
                return Task.FromResult(ExitCodes.UsageError);
            }

            var cnis = scenario.Variants().Select(v => v.Cni.Name).Distinct().ToList();
            var unsupported = cnis.Where(c => c is not ("flannel-vxlan" or "flannel-host-gw")).ToList();
            if (unsupported.Count > 0)
            {
                error.WriteLine($"netperf: calibrate builds flannel-vxlan and flannel-host-gw for real; {string.Join(", ", unsupported)} not yet (their stages are fitted all the same: run them with the cost file calibrate writes)");
                cnis = cnis.Except(unsupported).ToList();
                if (cnis.Count == 0)
                {
                    return Task.FromResult(ExitCodes.UsageError);
                }
            }

            var backend = parse.GetValue(iptables) == "legacy" ? IptablesBackend.Legacy : IptablesBackend.Nft;
            var stored = parse.GetValue(refit);
            if (stored is { Exists: false })
            {
                // A command line naming a file that is not there (as diff's missing folder): nothing was fitted.
                error.WriteLine($"netperf: --refit {stored.FullName}: no such file; give a measurements.csv that calibrate wrote (<results-dir>/<scenario>/calibration-<time>/measurements.csv).");
                return Task.FromResult(ExitCodes.UsageError);
            }

            if (stored is null && Requirements.Missing(backend) is { } why)
            {
                error.WriteLine($"netperf: {why}.");
                return Task.FromResult(CannotCalibrate);
            }

            var options = new CalibrationOptions
            {
                Rounds = parse.GetValue(rounds),
                Transactions = parse.GetValue(transactions),
                Cpu = parse.GetValue(cpu) ?? Math.Max(0, Environment.ProcessorCount - 1),
                Backend = backend,
                TcpInternalPacing = scenario.Cluster.TcpInternalPacing,
                FitFirstRun = parse.GetValue(firstRun),
            };
            foreach (var absent in stored is null ? Requirements.AbsentModules() : [])
            {
                error.WriteLine($"calibrate: not in this kernel: {absent}");
            }

            CalibrationOutcome outcome;
            try
            {
                var calibrator = new Calibrator(options, error);
                outcome = stored is null ? calibrator.Run(cnis, token) : calibrator.Refit(cnis, stored.FullName);
            }
            catch (CalibrationFitException e)
            {
                string kept = Path.Combine(parse.GetValue(outputRoot)!, scenario.Name, $"measurements-{DateTime.UtcNow.ToString("yyyyMMdd-HHmmss", CultureInfo.InvariantCulture)}");
                Directory.CreateDirectory(kept);
                AtomicFile.WriteText(Path.Combine(kept, "measurements.csv"), w => CalibrationCsv.WriteMeasurements(w, e.Measurements, e.MeasuredOn));
                error.WriteLine($"netperf: calibrate failed: {e.Message}");
                error.WriteLine($"netperf: the measurements are kept in {Path.Combine(kept, "measurements.csv")}; fit them again with --refit once this is mended.");
                return Task.FromResult(ExitCodes.RunFailed);
            }
            catch (CalibrationException e)
            {
                error.WriteLine($"netperf: calibrate failed: {e.Message}");
                return Task.FromResult(ExitCodes.RunFailed);
            }
            catch (OperationCanceledException)
            {
                error.WriteLine("netperf: calibrate stopped; every namespace it made was removed, nothing was written.");
                return Task.FromResult(ExitCodes.Interrupted);
            }

            string dir = Path.Combine(parse.GetValue(outputRoot)!, scenario.Name, $"{(stored is null ? "calibration" : "refit")}-{DateTime.UtcNow.ToString("yyyyMMdd-HHmmss", CultureInfo.InvariantCulture)}");
            Directory.CreateDirectory(dir);
            AtomicFile.WriteText(Path.Combine(dir, "cost-model.csv"), outcome.Table.Write);
            AtomicFile.WriteText(Path.Combine(dir, "calibration.csv"), w => CalibrationCsv.Write(w, outcome));
            AtomicFile.WriteText(Path.Combine(dir, "measurements.csv"), w => CalibrationCsv.WriteMeasurements(w, outcome));
            if (OutputFormats.TryWrite(parse.GetValue(format), CalibrationReport.From(outcome, dir, refit: stored is not null), output))
            {
                return Task.FromResult(ExitCodes.Success);
            }

            CalibrationTable.Print(output, outcome);
            output.WriteLine();
            output.WriteLine($"Fitted cost table: {Path.Combine(dir, "cost-model.csv")} (a scenario's costFile); predicted vs measured: calibration.csv");
            return Task.FromResult(ExitCodes.Success);
        });
        return command;
    }
}

using System.Reflection;
using NetPerf.Reporting;
using NetPerf.Scenarios.Loading;
using NetPerf.Scenarios.Model;
using NetPerf.Scenarios.Results;
using NetPerf.Scenarios.Running;
using Spectre.Console;

namespace NetPerf.Cli.Commands;

/// <summary>
/// What run and compare share: run every simulation with progress, stop cleanly on Ctrl-C (keeping what was
/// measured, marked partial), write the run folder, and say where it is.
/// </summary>
internal static class ScenarioExecution
{
    public sealed record Settings(RunOptions Options, string ResultsRoot, string? RunId, bool Plots, string Command, string? Baseline, OutputFormat Format = OutputFormat.Table, Reporting.Plots.CdfAxis CdfAxis = Reporting.Plots.CdfAxis.Percentile);

    /// <summary>What run and compare print with -o json|yaml: the run folder, whether it is partial, and summary.csv's rows.</summary>
    internal sealed record RunReport(string Results, bool Partial, IReadOnlyList<SummaryRow> Summary);

    public static (int Code, ResultSet? Results) Run(Scenario scenario, Settings settings, TextWriter output, TextWriter error)
    {
        using var cancel = new CancellationTokenSource();
        var phase = RunPhase.Simulating;
        ConsoleCancelEventHandler onCancel = (_, e) =>
        {
            if (!cancel.IsCancellationRequested)
            {
                e.Cancel = true; // the first Ctrl-C stops cleanly; a second one kills (its hidden folder is removed by the next run)
                error.WriteLine(CtrlCNotice(phase));
                cancel.Cancel();
            }
        };

        try
        {
            // Before anything is claimed or simulated: a workload that can measure nothing is refused at its line.
            WorkloadProbe.Check(scenario, settings.Options);
        }
        catch (ScenarioException e)
        {
            ScenarioFile.Print(e, scenario.SourceFile, error);
            return (ExitCodes.InvalidScenario, null);
        }

        var shard = settings.Options.Shard;
        string runId = settings.RunId ?? RunFolder.NewRunId(DateTimeOffset.UtcNow) + (shard is { } k ? $"-shard-{k.Index}-of-{k.Count}" : "");
        RunReservation reservation;
        try
        {
            // Before simulating: a root that cannot hold results, or a named run that exists, is refused now.
            foreach (var left in Leftovers.Remove(settings.ResultsRoot))
            {
                error.WriteLine($"netperf: removed {Printable.Escape(left)}, left by a run that was killed.");
            }

            reservation = RunFolder.Reserve(settings.ResultsRoot, scenario.Name, scenario.SourceText, runId, named: settings.RunId is not null);
        }
        catch (RunFolderRefused e)
        {
            error.WriteLine($"netperf: {(e.RootUnusable ? "--results-dir " : "")}{Printable.Escape(e.Message).TrimEnd('.')}; nothing was run.");
            return (ExitCodes.UsageError, null);
        }

        Console.CancelKeyPress += onCancel;
        try
        {
            var started = DateTimeOffset.UtcNow;
            int all = ScenarioRunner.Units(scenario, settings.Options).Count + ScenarioRunner.BgpUnits(scenario, settings.Options).Count;
            int total = shard?.Share(all) ?? all;
            int threads = ScenarioRunner.Threads(scenario, settings.Options);
            string fewer = threads < Math.Max(1, settings.Options.Parallelism)
                ? $" (not {settings.Options.Parallelism}: one simulation needs about {Scenarios.Estimation.ScaleEstimate.Size(Scenarios.Estimation.ScenarioEstimate.Of(scenario).Largest.Bytes)} and --max-memory is {Scenarios.Estimation.ScaleEstimate.Size(settings.Options.MaxMemory)})"
                : "";
            string share = shard is { } sh ? $"shard {sh}: {total} of {all}" : $"{total}";
            // With together each variant and replication is one simulation of every workload: say how many that is.
            string together = scenario.Together
                ? $", run together in {ScenarioRunner.Units(scenario, settings.Options).Select(u => (u.Variant.Name, u.Replication)).Distinct().Count()} simulation(s)"
                : "";
            error.WriteLine($"netperf: {scenario.Name}: {share} {(scenario.Together ? "workload run(s)" : "simulation(s)")} ({scenario.Variants().Count} variant(s)){together} on {threads} thread(s){fewer}");
            if (shard is { } empty && total == 0)
            {
                error.WriteLine($"netperf: warning: shard {empty} has no simulations ({all} simulation(s) among {empty.Count} shards); its folder is written empty, for the merge.");
            }
            RunOutcome outcome;
            try
            {
                var live = new RunningSimulations();
                outcome = WithProgress(error, total, live, p => ScenarioRunner.Run(scenario, settings.Options with { Live = live }, p, cancel.Token));
            }
            catch (AggregateException e)
            {
                foreach (var inner in e.Flatten().InnerExceptions)
                {
                    error.WriteLine($"netperf: a simulation failed: {inner.GetType().Name}: {inner.Message}");
                    if (Environment.GetEnvironmentVariable("NETPERF_DEBUG") == "1")
                    {
                        error.WriteLine(inner.StackTrace); // for developers: where it failed
                    }
                }

                error.WriteLine("netperf: nothing was written.");
                RunFolder.Abandon(reservation);
                return (ExitCodes.RunFailed, null);
            }

            foreach (var r in outcome.Results.Where(r => r.Report.Transactions == 0 && r.Report.GoodputBitsPerSecond == 0))
            {
                error.WriteLine($"netperf: warning: {r.Unit.Label} measured nothing (no transaction completed, no byte delivered in {outcome.Duration.TotalMilliseconds} ms); its rows are empty.");
            }

            phase = RunPhase.Writing;
            if (shard is { } mine)
            {
                return (WriteShard(scenario, settings, mine, all, reservation, outcome, started, output, error), null);
            }

            var results = ResultSetBuilder.Build(outcome, settings.Baseline);
            var meta = new RunMetadata(Version, settings.Command, started, DateTimeOffset.UtcNow);
            string dir;
            try
            {
                dir = RunFolder.Write(reservation, outcome, results, meta, settings.Plots, settings.CdfAxis);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                error.WriteLine($"netperf: the results could not be written under {settings.ResultsRoot}: {e.Message}; no run folder was left.");
                return (ExitCodes.RunFailed, null);
            }

            if (cancel.IsCancellationRequested && !outcome.Partial)
            {
                error.WriteLine("netperf: every simulation had finished before Ctrl-C took effect: the results are whole, not partial.");
            }

            if (!OutputFormats.TryWrite(settings.Format, new RunReport(dir, outcome.Partial, results.Summary), output))
            {
                SummaryTable.Write(output, results);
                output.WriteLine();
                output.WriteLine($"Results: {dir}{(outcome.Partial ? " (partial: stopped before every simulation finished)" : "")}");
            }
            return (outcome.Partial ? ExitCodes.Interrupted : ExitCodes.Success, results);
        }
        finally
        {
            Console.CancelKeyPress -= onCancel;
            RunFolder.Abandon(reservation); // nothing once it is renamed into place; otherwise an unwritten run leaves nothing
        }
    }

    /// <summary>What run -o json|yaml prints for a shard: its folder, which shard, how many simulations it ran of all, and whether it is partial.</summary>
    internal sealed record ShardReport(string Shard, string Folder, int Simulations, int Of, bool Partial);

    /// <summary>A shard's folder: scenario.yaml (claimed with the reservation), shard.json and its simulations' records; no results of its own.</summary>
    private static int WriteShard(Scenario scenario, Settings settings, Scenarios.Sharding.ShardSpec shard, int all, RunReservation reservation, RunOutcome outcome,
        DateTimeOffset started, TextWriter output, TextWriter error)
    {
        var records = ResultSetBuilder.Records(outcome);
        var header = new Scenarios.Sharding.ShardHeader
        {
            Format = Scenarios.Sharding.ShardHeader.CurrentFormat,
            Version = Version,
            Scenario = scenario.Name,
            ScenarioSha256 = Scenarios.Sharding.ShardFolder.Sha256(scenario.SourceText),
            File = scenario.SourceFile,
            Description = scenario.Description,
            Seed = scenario.Seed,
            Shard = shard.Index,
            Shards = shard.Count,
            Simulations = all,
            Ran = outcome.Results.Count + outcome.Bgp.Count,
            Partial = outcome.Partial,
            Options = new Scenarios.Sharding.ShardOptions
            {
                Quick = settings.Options.Quick,
                Samples = settings.Options.KeepSamples,
                OnlyVariants = settings.Options.Variants,
                Baseline = settings.Baseline ?? scenario.Baseline,
                Plots = settings.Plots,
                Cdf = settings.CdfAxis.ToString().ToLowerInvariant(),
            },
            Variants = records.Variants,
            Replications = outcome.Units.Select(u => u.Replication).Concat(outcome.BgpUnits.Select(u => u.Replication)).DefaultIfEmpty(0).Max() + 1,
            WarmupMs = outcome.WarmUp.TotalMilliseconds,
            DurationMs = outcome.Duration.TotalMilliseconds,
            Command = settings.Command,
            StartedUtc = started.UtcDateTime.ToString("o", System.Globalization.CultureInfo.InvariantCulture),
            FinishedUtc = DateTimeOffset.UtcNow.UtcDateTime.ToString("o", System.Globalization.CultureInfo.InvariantCulture),
        };
        var bgpIndices = outcome.Bgp.Select(b => outcome.Units.Count + b.Unit.Index).ToList();
        string dir;
        try
        {
            dir = RunFolder.Commit(reservation, temp => Scenarios.Sharding.ShardFolder.Write(temp, header, records, bgpIndices), pointLatest: false);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            error.WriteLine($"netperf: the shard could not be written under {settings.ResultsRoot}: {e.Message}; no shard folder was left.");
            return ExitCodes.RunFailed;
        }

        if (!OutputFormats.TryWrite(settings.Format, new ShardReport(shard.ToString(), dir, header.Ran, all, outcome.Partial), output))
        {
            output.WriteLine($"Shard {shard}: {header.Ran} of {all} simulation(s){(outcome.Partial ? " (partial: stopped before every simulation finished; run the shard again)" : "")}: {dir}");
            output.WriteLine($"Join the {shard.Count} shards' folders into the run: netperf merge <folder>... --results-dir {settings.ResultsRoot}");
        }

        return outcome.Partial ? ExitCodes.Interrupted : ExitCodes.Success;
    }

    /// <summary>What the first Ctrl-C says: only a run stopped while simulating is written partial.</summary>
    internal static string CtrlCNotice(RunPhase phase) => phase == RunPhase.Simulating
        ? "netperf: stopping the simulations under way (they are dropped); what finished will be written, marked partial."
        : "netperf: every simulation has finished; the results are being written whole (a second Ctrl-C kills the run and leaves no run folder).";

    public static string Version =>
        typeof(ScenarioExecution).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion ?? "unknown";

    /// <summary>
    /// A progress bar on a terminal; a line per finished simulation otherwise (logs, CI). A long simulation shows
    /// how far it is in simulated time and its events per second: on a terminal in the bar, refreshed every
    /// second; otherwise a line at most every <see cref="QuietInterval"/>, only for simulations running that long.
    /// </summary>
    private static RunOutcome WithProgress(TextWriter error, int total, RunningSimulations live, Func<IProgress<RunProgress>, RunOutcome> run)
    {
        bool terminal = ReferenceEquals(error, Console.Error) && !Console.IsErrorRedirected;
        var rates = new SimulationRates();
        if (!terminal)
        {
            var gate = new Lock();
            var lines = new Progress(p => { lock (gate) { error.WriteLine($"  [{p.Done}/{p.Total}] {p.Finished}"); } });
            using var timer = new Timer(_ =>
            {
                lock (gate)
                {
                    foreach (var status in rates.Update(live.Snapshot(), DateTime.UtcNow).Where(r => r.Running >= QuietInterval))
                    {
                        error.WriteLine($"  ... {status.Text}");
                    }
                }
            }, null, QuietInterval, QuietInterval);
            return run(lines);
        }

        var console = AnsiConsole.Create(new AnsiConsoleSettings { Out = new AnsiConsoleOutput(Console.Error) });
        RunOutcome? outcome = null;
        console.Progress().AutoClear(true).Start(ctx =>
        {
            var task = ctx.AddTask("simulating", maxValue: total);
            string finished = "";
            using var timer = new Timer(_ =>
            {
                var slowest = rates.Update(live.Snapshot(), DateTime.UtcNow).MaxBy(r => r.Running);
                task.Description = slowest.Text is { Length: > 0 } t && slowest.Running >= TimeSpan.FromSeconds(2) ? t : finished;
            }, null, TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(1));
            outcome = run(new Progress(p =>
            {
                task.Value = p.Done;
                finished = p.Finished.Length > 40 ? p.Finished[..40] : p.Finished;
                task.Description = finished;
            }));
        });
        return outcome!;
    }

    /// <summary>How often a run whose stderr is not a terminal reports a long simulation's progress.</summary>
    internal static readonly TimeSpan QuietInterval = TimeSpan.FromSeconds(30);

    /// <summary>Reports synchronously on the reporting thread (System.Progress would post to the thread pool, out of order).</summary>
    private sealed class Progress(Action<RunProgress> report) : IProgress<RunProgress>
    {
        private readonly Lock _lock = new();

        public void Report(RunProgress value)
        {
            lock (_lock)
            {
                report(value);
            }
        }
    }
}

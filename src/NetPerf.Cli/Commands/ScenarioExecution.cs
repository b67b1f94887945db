using System.Reflection;
using NetPerf.Reporting;
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
    public sealed record Settings(RunOptions Options, string ResultsRoot, string? RunId, bool Plots, string Command, string? Baseline);

    public static (int Code, ResultSet? Results) Run(Scenario scenario, Settings settings, TextWriter output, TextWriter error)
    {
        using var cancel = new CancellationTokenSource();
        ConsoleCancelEventHandler onCancel = (_, e) =>
        {
            if (!cancel.IsCancellationRequested)
            {
                e.Cancel = true; // the first Ctrl-C stops cleanly; a second one kills
                error.WriteLine("netperf: stopping after the simulations under way; what finished will be written, marked partial.");
                cancel.Cancel();
            }
        };
        try
        {
            Directory.CreateDirectory(settings.ResultsRoot); // before simulating: a results root that cannot be made fails now, not after the run
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or ArgumentException or NotSupportedException)
        {
            error.WriteLine($"netperf: --output '{settings.ResultsRoot}' cannot hold results: {e.Message}");
            return (ExitCodes.UsageError, null);
        }

        Console.CancelKeyPress += onCancel;
        try
        {
            var started = DateTimeOffset.UtcNow;
            int total = ScenarioRunner.Units(scenario, settings.Options).Count + ScenarioRunner.BgpUnits(scenario, settings.Options).Count;
            error.WriteLine($"netperf: {scenario.Name}: {total} simulation(s) ({scenario.Variants().Count} variant(s)) on {Math.Max(1, settings.Options.Parallelism)} thread(s)");
            RunOutcome outcome;
            try
            {
                outcome = WithProgress(error, total, p => ScenarioRunner.Run(scenario, settings.Options, p, cancel.Token));
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
                return (ExitCodes.RunFailed, null);
            }

            foreach (var r in outcome.Results.Where(r => r.Report.Transactions == 0 && r.Report.GoodputBitsPerSecond == 0))
            {
                error.WriteLine($"netperf: warning: {r.Unit.Label} measured nothing (no transaction completed, no byte delivered in {outcome.Duration.TotalMilliseconds} ms); its rows are empty.");
            }

            var results = ResultSetBuilder.Build(outcome, settings.Baseline);
            var meta = new RunMetadata(Version, settings.Command, started, DateTimeOffset.UtcNow);
            string dir;
            try
            {
                dir = RunFolder.Write(settings.ResultsRoot, settings.RunId ?? RunFolder.NewRunId(started), outcome, results, meta, settings.Plots);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                error.WriteLine($"netperf: the results could not be written under {settings.ResultsRoot}: {e.Message}; no run folder was left.");
                return (ExitCodes.RunFailed, null);
            }

            SummaryTable.Write(output, results);
            output.WriteLine();
            output.WriteLine($"Results: {dir}{(outcome.Partial ? " (partial: stopped before every simulation finished)" : "")}");
            return (outcome.Partial ? ExitCodes.Interrupted : ExitCodes.Success, results);
        }
        finally
        {
            Console.CancelKeyPress -= onCancel;
        }
    }

    public static string Version =>
        typeof(ScenarioExecution).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion ?? "unknown";

    /// <summary>A progress bar on a terminal; a line per finished simulation otherwise (logs, CI).</summary>
    private static RunOutcome WithProgress(TextWriter error, int total, Func<IProgress<RunProgress>, RunOutcome> run)
    {
        bool terminal = ReferenceEquals(error, Console.Error) && !Console.IsErrorRedirected;
        if (!terminal)
        {
            var lines = new Progress(p => error.WriteLine($"  [{p.Done}/{p.Total}] {p.Finished}"));
            return run(lines);
        }

        var console = AnsiConsole.Create(new AnsiConsoleSettings { Out = new AnsiConsoleOutput(Console.Error) });
        RunOutcome? outcome = null;
        console.Progress().AutoClear(true).Start(ctx =>
        {
            var task = ctx.AddTask("simulating", maxValue: total);
            outcome = run(new Progress(p =>
            {
                task.Value = p.Done;
                task.Description = p.Finished.Length > 40 ? p.Finished[..40] : p.Finished;
            }));
        });
        return outcome!;
    }

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

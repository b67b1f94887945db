using System.CommandLine;
using System.Globalization;
using NetPerf.Cli.Diff;
using NetPerf.Scenarios.Loading;

namespace NetPerf.Cli.Commands;

/// <summary>
/// <c>netperf diff RUN_A RUN_B</c>: two saved runs compared figure by figure (B against A), with a Welch test per
/// row; <c>--fail-above 5%</c> makes it a regression gate for CI (exit 1 naming what got worse).
/// </summary>
public static class DiffCommand
{
    public static Command Build(TextWriter output, TextWriter error)
    {
        var runA = new Argument<string>("run-a") { Description = "The reference run folder, results/<scenario>/<run>/ (holds summary.csv)." };
        var runB = new Argument<string>("run-b") { Description = "The run compared with it: ratios are B/A." };
        var failAbove = new Option<FailThreshold?>("--fail-above")
        {
            Description = "Exit 1 when a figure got worse by more than this percentage (with its % sign: 5%, 2.5%) and the difference is significant (Welch, p < 0.05); rows without an interval are judged by size alone.",
            CustomParser = r => FailThreshold.Parse(r),
        };
        var metrics = new Option<string[]>("--metric")
        {
            Description = "Only these metrics (latency, throughput, goodput, cpu_per_request, cpu_per_byte, lost, ...).",
            AllowMultipleArgumentsPerToken = true,
        };
        var command = new Command("diff", "Compare two saved runs per variant, path, workload and metric: means, B/A and a Welch test; a regression gate with --fail-above.")
        {
            runA, runB, failAbove, metrics,
        };
        command.SetAction(parse => Run(output, error, parse.GetValue(runA)!, parse.GetValue(runB)!, parse.GetValue(failAbove), parse.GetValue(metrics)));
        return command;
    }

    private static int Run(TextWriter output, TextWriter error, string folderA, string folderB, FailThreshold? threshold, string[]? metrics)
    {
        var a = RunSummary.Load(folderA, error);
        var b = RunSummary.Load(folderB, error);
        if (a is null || b is null)
        {
            return ExitCodes.UsageError;
        }

        HashSet<string>? only = metrics is { Length: > 0 } ? new HashSet<string>(metrics, StringComparer.Ordinal) : null;
        if (only is not null)
        {
            var present = a.Rows.Concat(b.Rows).Select(r => r.Metric).ToHashSet(StringComparer.Ordinal);
            var unknown = only.Where(m => !present.Contains(m)).Order(StringComparer.Ordinal).ToList();
            if (unknown.Count > 0)
            {
                error.WriteLine($"netperf diff: --metric {string.Join(", ", unknown.Select(m => Printable.Quote(Printable.Escape(m)) + DidYouMean.Suggest(m, present)))} is in neither run; "
                                + $"the runs have: {string.Join(", ", present.Order(StringComparer.Ordinal))}.");
                return ExitCodes.UsageError;
            }
        }

        if (!a.Scenarios.SequenceEqual(b.Scenarios))
        {
            // Allowed (a scenario renamed, or two scenarios that share variants), but the match is then by name only.
            error.WriteLine($"netperf diff: note: the runs are of different scenarios (A: {Names(a)}, B: {Names(b)}); rows are matched by variant, path, workload and metric.");
        }

        output.WriteLine($"A: {Printable.Escape(folderA)} ({Names(a)})");
        output.WriteLine($"B: {Printable.Escape(folderB)} ({Names(b)})");
        output.WriteLine();
        var diff = RunDiff.Of(a, b, only);
        DiffTable.Write(output, diff);
        return threshold is { } t ? Gate(output, diff, t) : ExitCodes.Success;
    }

    private static int Gate(TextWriter output, RunDiff diff, FailThreshold threshold)
    {
        var regressed = diff.Matched.Where(r => r.RegressedBeyond(threshold.Fraction)).ToList();
        output.WriteLine();
        if (regressed.Count == 0)
        {
            output.WriteLine($"no figure got worse by more than {threshold}.");
            return ExitCodes.Success;
        }

        output.WriteLine($"{regressed.Count} figure(s) got worse by more than {threshold}:");
        foreach (var r in regressed)
        {
            string how = r.Welch is { } w ? string.Create(CultureInfo.InvariantCulture, $"p {w.P:G3}") : "no interval: by size alone";
            output.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"  REGRESSION {Printable.Escape(r.Key.ToString())}: {DiffTable.Num(r.A.Mean)} -> {DiffTable.Num(r.B.Mean)} {r.A.Unit} ({r.Worsening * 100:F1}% worse, {how})"));
        }

        return ExitCodes.CheckFailed;
    }

    private static string Names(RunSummary run) => run.Scenarios.Count == 0 ? "no rows" : string.Join(", ", run.Scenarios.Select(Printable.Escape));
}

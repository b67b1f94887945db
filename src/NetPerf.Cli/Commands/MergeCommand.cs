using System.CommandLine;
using NetPerf.Scenarios.Loading;
using NetPerf.Scenarios.Results;
using NetPerf.Scenarios.Running;
using NetPerf.Scenarios.Sharding;

namespace NetPerf.Cli.Commands;

/// <summary>
/// <c>netperf merge SHARD...</c>: the folders of <c>netperf run --shard K/N</c> (K = 1 to N) joined into one run
/// folder, byte for byte the unsharded run's but for run.json: every replication's records pooled as the run pools
/// them (confidence intervals recomputed from the replications, not averaged). Shards that are not one sweep, a
/// shard missing, given twice or stopped part-way are refused with what was expected, and nothing is written.
/// </summary>
public static class MergeCommand
{
    public static Command Build(TextWriter output, TextWriter error)
    {
        var shards = new Argument<string[]>("shards") { Description = "The shards' folders (results/<scenario>/<run>/ of each 'netperf run --shard K/N'), every K from 1 to N once, in any order.", Arity = ArgumentArity.OneOrMore };
        var options = new RunOptionsBinding();
        var command = new Command("merge", "Join the folders of 'netperf run --shard K/N' into the run's folder (CSV, plots, report.html), as the unsharded run writes it.")
        {
            shards, options.ResultsDir, options.RunId, options.Format,
        };
        command.SetAction(parse => Run(parse.GetValue(shards)!, parse.GetValue(options.ResultsDir)!, parse.GetValue(options.RunId), parse.GetValue(options.Format),
            "netperf " + string.Join(' ', parse.Tokens.Select(t => t.Value)), output, error));
        return command;
    }

    private static int Run(string[] folders, string root, string? runId, OutputFormat format, string command, TextWriter output, TextWriter error)
    {
        var started = DateTimeOffset.UtcNow;
        var errors = new List<string>();
        var merged = ShardMerge.Join(folders, errors);
        Reporting.Plots.CdfAxis cdf = default;
        if (merged is not null && !Enum.TryParse(merged.First.Options.Cdf, ignoreCase: true, out cdf))
        {
            errors.Add($"{Path.Combine(merged.Shards[0].Folder, ShardFolder.HeaderFile)}: options.cdf '{Printable.Escape(merged.First.Options.Cdf)}' is not percentile or tail");
        }

        if (merged is null || errors.Count > 0)
        {
            foreach (string e in errors)
            {
                error.WriteLine($"netperf: merge: {Printable.Escape(e)}");
            }

            error.WriteLine("netperf: merge: nothing was written.");
            return ExitCodes.UsageError;
        }

        RunReservation reservation;
        try
        {
            foreach (var left in Leftovers.Remove(root))
            {
                error.WriteLine($"netperf: removed {Printable.Escape(left)}, left by a run that was killed.");
            }

            reservation = RunFolder.Reserve(root, merged.First.Scenario, merged.ScenarioText, runId ?? RunFolder.NewRunId(started), named: runId is not null);
        }
        catch (RunFolderRefused e)
        {
            error.WriteLine($"netperf: merge: {(e.RootUnusable ? "--results-dir " : "")}{Printable.Escape(e.Message).TrimEnd('.')}; nothing was written.");
            return ExitCodes.UsageError;
        }

        try
        {
            var results = ResultSetBuilder.Build(merged.Records, merged.First.Options.Baseline);
            string dir;
            try
            {
                string runJson = ShardMerge.RunJson(merged, ScenarioExecution.Version, command, started, DateTimeOffset.UtcNow);
                dir = RunFolder.Write(reservation, runJson, results, partial: false, merged.First.Options.Plots, cdf);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                error.WriteLine($"netperf: merge: the results could not be written under {root}: {e.Message}; no run folder was left.");
                return ExitCodes.RunFailed;
            }

            error.WriteLine($"netperf: merge: {merged.Shards.Count} shard(s) of {merged.First.Scenario}, {merged.First.Simulations} simulation(s).");
            if (!OutputFormats.TryWrite(format, new ScenarioExecution.RunReport(dir, false, results.Summary), output))
            {
                SummaryTable.Write(output, results);
                output.WriteLine();
                output.WriteLine($"Results: {dir}");
            }

            return ExitCodes.Success;
        }
        finally
        {
            RunFolder.Abandon(reservation); // nothing once renamed into place
        }
    }
}

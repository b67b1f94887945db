using System.Globalization;
using System.Text.Json;
using NetPerf.Reporting;
using NetPerf.Scenarios.Running;

namespace NetPerf.Scenarios.Results;

/// <summary>
/// results/&lt;scenario&gt;/&lt;run&gt;/: the scenario as run (its file, verbatim), run.json (seed, version, command,
/// what ran, whether it is partial, wall-clock times), and the CSV, plots and report. Everything is written
/// into a hidden folder beside the run's and renamed into place at the end, so a run folder is either whole
/// or absent; a run killed half-way leaves only the hidden folder.
/// </summary>
public static class RunFolder
{
    public static string Write(string resultsRoot, string runId, RunOutcome outcome, ResultSet results, RunMetadata meta, bool plots = true)
    {
        string scenarioDir = Path.Combine(resultsRoot, outcome.Scenario.Name);
        Directory.CreateDirectory(scenarioDir);

        // A hidden folder of this process's own (runs started in the same second, or given the same --run-id,
        // must not share one), renamed into place; another run taking the name first moves this one to name-2.
        string temp = Path.Combine(scenarioDir, $".{runId}.{Guid.NewGuid():N}.tmp");
        Directory.CreateDirectory(temp);
        try
        {
            AtomicFile.WriteAllText(Path.Combine(temp, "scenario.yaml"), outcome.Scenario.SourceText);
            AtomicFile.WriteAllText(Path.Combine(temp, "run.json"), Json(outcome, meta));
            ResultWriter.WriteAll(results, temp, plots);
            for (int attempt = 1; ; attempt++)
            {
                string final = Unique(Path.Combine(scenarioDir, runId));
                try
                {
                    Directory.Move(temp, final);
                    return final;
                }
                catch (IOException) when (attempt < 10 && Directory.Exists(final))
                {
                    // Lost the race for that name; take the next.
                }
            }
        }
        catch
        {
            if (Directory.Exists(temp))
            {
                Directory.Delete(temp, recursive: true);
            }

            throw;
        }
    }

    /// <summary>A run id from the wall clock (UTC), which names the folder only: nothing in the CSV depends on it.</summary>
    public static string NewRunId(DateTimeOffset now) => now.UtcDateTime.ToString("yyyyMMdd-HHmmss", CultureInfo.InvariantCulture);

    private static string Unique(string path)
    {
        string candidate = path;
        for (int i = 2; Directory.Exists(candidate); i++)
        {
            candidate = $"{path}-{i}";
        }

        return candidate;
    }

    private static string Json(RunOutcome o, RunMetadata meta)
    {
        var s = o.Scenario;
        var doc = new
        {
            scenario = s.Name,
            file = s.SourceFile,
            description = s.Description,
            seed = s.Seed,
            replications = o.Units.Select(u => u.Replication).DefaultIfEmpty(0).Max() + 1,
            warmupMs = o.WarmUp.TotalMilliseconds,
            durationMs = o.Duration.TotalMilliseconds,
            variants = o.Units.Select(u => u.Variant.Name).Distinct().ToList(),
            units = o.Units.Count,
            unitsFinished = o.Results.Count,
            partial = o.Partial,
            simulatedEvents = o.Results.Sum(r => r.Events),
            version = meta.Version,
            command = meta.Command,
            startedUtc = meta.Started.UtcDateTime.ToString("o", CultureInfo.InvariantCulture),
            finishedUtc = meta.Finished.UtcDateTime.ToString("o", CultureInfo.InvariantCulture),
            wallSeconds = Math.Round((meta.Finished - meta.Started).TotalSeconds, 3),
        };
        return JsonSerializer.Serialize(doc, new JsonSerializerOptions { WriteIndented = true }) + "\n";
    }
}

/// <summary>What run.json says about how a run was made (the CSV says what it measured).</summary>
public sealed record RunMetadata(string Version, string Command, DateTimeOffset Started, DateTimeOffset Finished);

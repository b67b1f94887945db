using System.Globalization;
using System.Text.Json;
using NetPerf.Reporting;
using NetPerf.Scenarios.Running;

namespace NetPerf.Scenarios.Results;

/// <summary>
/// results/&lt;scenario&gt;/&lt;run&gt;/: the scenario as run (its file, verbatim), run.json (seed, version, command,
/// what ran, whether it is partial, wall-clock times), and the CSV, plots and report. Everything is written
/// into a hidden folder beside the run's, claimed before simulating, and renamed into place at the end, so a
/// run folder is either whole or absent; a run killed half-way leaves only the hidden folder, which the next
/// run in the root removes (<see cref="Leftovers"/>).
/// </summary>
public static class RunFolder
{
    /// <summary>
    /// Claims the run folder before anything is simulated: makes results/&lt;scenario&gt;/ and the hidden folder, and
    /// writes the scenario into it, so a root that cannot hold results (read-only, /proc, a file) and a named run
    /// that exists are refused now, not after every simulation.
    /// </summary>
    /// <exception cref="RunFolderRefused">Why the folder cannot be had.</exception>
    public static RunReservation Reserve(string resultsRoot, string scenarioName, string scenarioText, string runId, bool named)
    {
        string scenarioDir = Path.Combine(resultsRoot, scenarioName);
        string final = Path.Combine(scenarioDir, runId);
        if (named && (Directory.Exists(final) || File.Exists(final)))
        {
            throw new RunFolderRefused($"run '{runId}' of {scenarioName} exists ({final}); give another --run-id or remove it", rootUnusable: false);
        }

        // A hidden folder of this process's own (runs started in the same second must not share one), named with
        // this process's pid so that the next run in this root can tell a killed run's folder from a live one's.
        string temp = Path.Combine(scenarioDir, Leftovers.TempName(runId, Environment.ProcessId));
        try
        {
            Directory.CreateDirectory(scenarioDir);
            Directory.CreateDirectory(temp);
            AtomicFile.WriteAllText(Path.Combine(temp, "scenario.yaml"), scenarioText);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or ArgumentException or NotSupportedException)
        {
            TryDelete(temp);
            throw new RunFolderRefused($"'{resultsRoot}' cannot hold results: {e.Message}", rootUnusable: true, e);
        }

        return new RunReservation(scenarioDir, runId, named, temp);
    }

    /// <summary>Writes the run into its claimed folder and renames it into place; on failure nothing is left.</summary>
    public static string Write(RunReservation at, RunOutcome outcome, ResultSet results, RunMetadata meta, bool plots = true, Reporting.Plots.CdfAxis cdfAxis = Reporting.Plots.CdfAxis.Percentile) =>
        Write(at, Json(outcome, meta), results, partial: outcome.Partial, plots, cdfAxis);

    /// <summary>Writes run.json (given) and the results into the claimed folder and renames it into place (a merge of shards writes a run this way).</summary>
    public static string Write(RunReservation at, string runJson, ResultSet results, bool partial, bool plots, Reporting.Plots.CdfAxis cdfAxis) =>
        Commit(at, temp =>
        {
            AtomicFile.WriteAllText(Path.Combine(temp, "run.json"), runJson);
            ResultWriter.WriteAll(results, temp, plots, cdfAxis);
        }, pointLatest: !partial); // latest is the newest complete run: never a partial one

    /// <summary>
    /// Fills the claimed folder and renames it into place; <c>latest</c> is pointed at it when asked (a shard's
    /// folder is no run, and never becomes latest). On failure the claimed folder is removed and nothing is left.
    /// </summary>
    public static string Commit(RunReservation at, Action<string> fill, bool pointLatest)
    {
        try
        {
            fill(at.Temp);
            for (int attempt = 1; ; attempt++)
            {
                // A named run keeps its name (another run taking it meanwhile fails this one); a dated one that
                // lost the race for its second takes name-2.
                string final = at.Named ? Path.Combine(at.ScenarioDir, at.RunId) : Unique(Path.Combine(at.ScenarioDir, at.RunId));
                if (at.Named && (Directory.Exists(final) || File.Exists(final)))
                {
                    throw new IOException($"run '{at.RunId}' was written by another run meanwhile ({final})");
                }

                try
                {
                    Directory.Move(at.Temp, final);
                    if (pointLatest)
                    {
                        PointLatest(at.ScenarioDir, Path.GetFileName(final));
                    }

                    return final;
                }
                catch (IOException) when (!at.Named && attempt < 10 && Directory.Exists(final))
                {
                    // Lost the race for that name; take the next.
                }
            }
        }
        catch
        {
            Abandon(at);
            throw;
        }
    }

    /// <summary>The name of the link to the newest complete run beside the runs (results/&lt;scenario&gt;/latest).</summary>
    public const string Latest = "latest";

    /// <summary>
    /// Points <c>latest</c> at the run just written: a relative symbolic link made under a name of this process's
    /// own and renamed over the old one (rename(2) replaces atomically), so a reader never finds it missing or
    /// half-made and two runs finishing together leave it on one of them. Where links cannot be made (a file
    /// system without them) there is no <c>latest</c>; the run itself is complete all the same.
    /// </summary>
    private static void PointLatest(string scenarioDir, string runName)
    {
        string link = Path.Combine(scenarioDir, Latest);
        string staged = Path.Combine(scenarioDir, $".{Latest}.p{Environment.ProcessId}.tmp");
        try
        {
            File.Delete(staged);
            File.CreateSymbolicLink(staged, runName);
            // File.Move follows the link and refuses a directory; rename(2) moves the link itself.
            if (!OperatingSystem.IsWindows() && Rename(staged, link) != 0)
            {
                throw new IOException($"rename of {staged} failed (errno {System.Runtime.InteropServices.Marshal.GetLastPInvokeError()})");
            }
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or PlatformNotSupportedException or DllNotFoundException or EntryPointNotFoundException)
        {
            TryDeleteFile(staged);
        }
    }

    [System.Runtime.InteropServices.DllImport("libc", EntryPoint = "rename", SetLastError = true)]
    private static extern int Rename([System.Runtime.InteropServices.MarshalAs(System.Runtime.InteropServices.UnmanagedType.LPUTF8Str)] string from,
        [System.Runtime.InteropServices.MarshalAs(System.Runtime.InteropServices.UnmanagedType.LPUTF8Str)] string to);

    private static void TryDeleteFile(string path)
    {
        try
        {
            File.Delete(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // A staging link nothing reads; the next run replaces it.
        }
    }

    /// <summary>Removes a claimed folder that will not be written (the simulation failed).</summary>
    public static void Abandon(RunReservation at) => TryDelete(at.Temp);

    private static void TryDelete(string dir)
    {
        try
        {
            if (Directory.Exists(dir))
            {
                Directory.Delete(dir, recursive: true);
            }
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // Left for the next run in this root to remove (Leftovers).
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
            variants = o.Units.Select(u => u.Variant.Name).Concat(o.BgpUnits.Select(u => u.Variant)).Distinct().ToList(),
            units = o.Units.Count + o.BgpUnits.Count, // a BGP experiment is a simulation too
            unitsFinished = o.Results.Count + o.Bgp.Count,
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

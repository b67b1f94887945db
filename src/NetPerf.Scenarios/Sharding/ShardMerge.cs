using NetPerf.Reporting;
using NetPerf.Scenarios.Running;

namespace NetPerf.Scenarios.Sharding;

/// <summary>Shards of one sweep, checked and joined: every simulation once, in the run's order.</summary>
public sealed record MergedShards(IReadOnlyList<ShardContents> Shards, RunRecords Records)
{
    public ShardHeader First => Shards[0].Header;
    public string ScenarioText => Shards[0].ScenarioText;
}

/// <summary>
/// Joins the folders of <c>netperf run --shard K/N</c> into one run's records: the shards must be one sweep (the
/// same format, version, scenario text, seed, options, shard count and number of simulations), every shard 1 to N
/// given once, each whole (not stopped part-way) and holding exactly its own simulations. Every mismatch is
/// reported with the folder it is in and what was expected; nothing is joined unless all of it holds.
/// </summary>
public static class ShardMerge
{
    public static MergedShards? Join(IReadOnlyList<string> folders, List<string> errors)
    {
        var shards = new List<ShardContents>();
        foreach (string folder in folders)
        {
            if (ShardFolder.Read(folder, errors) is { } s)
            {
                shards.Add(s);
            }
        }

        if (shards.Count == 0)
        {
            if (errors.Count == 0)
            {
                errors.Add("no shard folders given");
            }

            return null;
        }

        bool unreadable = errors.Count > 0; // the shards that were read are still checked against each other: every error at once

        var first = shards[0];
        string Of(ShardContents s) => $"{s.Folder} (shard {s.Header.Shard}/{s.Header.Shards})";
        foreach (var s in shards.Skip(1))
        {
            void Same<T>(string what, Func<ShardHeader, T> field, string why)
            {
                if (!EqualityComparer<T>.Default.Equals(field(s.Header), field(first.Header)))
                {
                    errors.Add($"{Path.Combine(s.Folder, ShardFolder.HeaderFile)}: {what} {Show(field(s.Header))}, but {Of(first)} has {Show(field(first.Header))}: {why}");
                }
            }

            Same("NetPerf version", h => h.Version, "shards of one sweep are run by one build of NetPerf");
            Same("scenario", h => h.Scenario, "shards of one sweep run one scenario");
            Same("scenario file SHA-256", h => h.ScenarioSha256, "shards of one sweep run the same file, byte for byte");
            Same("seed", h => h.Seed, "shards of one sweep run one seed");
            Same("shard count", h => h.Shards, "shards of one sweep are K/N with one N");
            Same("simulation count", h => h.Simulations, "shards of one sweep divide one set of simulations");
            Same("options", h => Options(h.Options), "shards of one sweep are run with the same --quick, --samples, --variant, --no-plots and --cdf");
        }

        if (errors.Count > 0)
        {
            return null;
        }

        int n = first.Header.Shards;
        foreach (var twice in shards.GroupBy(s => s.Header.Shard).Where(g => g.Count() > 1))
        {
            errors.Add($"shard {twice.Key}/{n} given {twice.Count()} times: {string.Join(", ", twice.Select(s => s.Folder))}; give each shard once");
        }

        var missing = Enumerable.Range(1, n).Except(shards.Select(s => s.Header.Shard)).ToList();
        if (missing.Count > 0 && !unreadable)
        {
            errors.Add($"shard(s) {string.Join(", ", missing.Take(20).Select(k => $"{k}/{n}"))}{(missing.Count > 20 ? $" and {missing.Count - 20} more" : "")} missing: "
                + $"a merge needs every shard 1/{n} to {n}/{n}; given: {string.Join(", ", shards.OrderBy(s => s.Header.Shard).Take(20).Select(Of))}");
        }

        foreach (var s in shards.Where(s => s.Header.Partial))
        {
            errors.Add($"{Of(s)}: stopped before its simulations finished (partial); run shard {s.Header.Shard}/{n} again");
        }

        int total = first.Header.Simulations;
        foreach (var s in shards)
        {
            var spec = new ShardSpec(s.Header.Shard, n);
            string file = Path.Combine(s.Folder, ShardFolder.SimulationsFile);
            var seen = new HashSet<int>();
            for (int i = 0; i < s.Lines.Count; i++)
            {
                int index = s.Lines[i].Index;
                if (index < 0 || index >= total || !spec.Owns(index))
                {
                    errors.Add($"{file}:{i + 1}: simulation {index} is not shard {spec}'s (of {total}, shard {spec} runs those whose number mod {n} is {spec.Index - 1})");
                }
                else if (!seen.Add(index))
                {
                    errors.Add($"{file}:{i + 1}: simulation {index} appears twice");
                }
            }

            if (spec.Share(total) != seen.Count && !s.Header.Partial)
            {
                errors.Add($"{file}: holds {seen.Count} simulation(s); shard {spec} of {total} simulations has {spec.Share(total)}");
            }
        }

        if (errors.Count > 0)
        {
            return null;
        }

        var lines = shards.SelectMany(s => s.Lines).OrderBy(l => l.Index).ToList();
        var records = new RunRecords
        {
            Scenario = first.Header.Scenario,
            Description = first.Header.Description,
            ScenarioBaseline = null, // the shard header's baseline is the one the run passed, resolved against the scenario's already
            Variants = first.Header.Variants,
            Simulations = lines.Where(l => l.Simulation is not null).Select(l => l.Simulation!).ToList(),
            Bgp = lines.Where(l => l.Bgp is not null).Select(l => l.Bgp!).ToList(),
            Partial = false,
        };
        return new MergedShards(shards.OrderBy(s => s.Header.Shard).ToList(), records);
    }

    /// <summary>The merged run's run.json: the keys an unsharded run's has (its wall-clock times the merge's), and the shards it joined.</summary>
    public static string RunJson(MergedShards m, string version, string command, DateTimeOffset started, DateTimeOffset finished)
    {
        var h = m.First;
        var doc = new
        {
            scenario = h.Scenario,
            file = h.File,
            description = h.Description,
            seed = h.Seed,
            replications = h.Replications,
            warmupMs = h.WarmupMs,
            durationMs = h.DurationMs,
            variants = h.Variants,
            units = h.Simulations,
            unitsFinished = m.Records.Simulations.Count + m.Records.Bgp.Count,
            partial = false,
            simulatedEvents = m.Records.Simulations.Sum(r => r.Events),
            version,
            command,
            startedUtc = started.UtcDateTime.ToString("o", System.Globalization.CultureInfo.InvariantCulture),
            finishedUtc = finished.UtcDateTime.ToString("o", System.Globalization.CultureInfo.InvariantCulture),
            wallSeconds = Math.Round((finished - started).TotalSeconds, 3),
            mergedFrom = m.Shards.Select(s => new { shard = $"{s.Header.Shard}/{s.Header.Shards}", folder = s.Folder, command = s.Header.Command, startedUtc = s.Header.StartedUtc, finishedUtc = s.Header.FinishedUtc }).ToList(),
        };
        return System.Text.Json.JsonSerializer.Serialize(doc, new System.Text.Json.JsonSerializerOptions { WriteIndented = true }) + "\n";
    }

    private static string Options(ShardOptions o) =>
        $"quick={o.Quick} samples={o.Samples} variants=[{string.Join(",", o.OnlyVariants)}] plots={o.Plots} cdf={o.Cdf}";

    private static string Show<T>(T value) => value is string s ? $"'{Loading.Printable.Escape(s)}'" : Loading.Printable.Escape($"{value}");
}

using System.CommandLine;

namespace NetPerf.Cli.Commands;

/// <summary><c>netperf run</c>: runs a scenario and writes its CSV, plots and report.</summary>
public static class RunCommand
{
    private const long ScenarioReaderLimit = Scenarios.Loading.ScenarioReader.MaxFileBytes;

    public static Command Build(TextWriter output, TextWriter error)
    {
        var file = ScenarioFile.Argument();
        var allowOutside = ScenarioFile.AllowOutside();
        var manifests = ScenarioFile.Manifests();
        var options = new RunOptionsBinding();
        var variant = new Option<string[]>("--variant") { Description = "Run only these variants (by name; default: all).", AllowMultipleArgumentsPerToken = true };
        var shard = new Option<Scenarios.Sharding.ShardSpec?>("--shard")
        {
            Description = "Run only shard K of N (K/N, 1 <= K <= N): simulation i (variant x workload x path x replication, in the scenario's order) is shard (i mod N) + 1's. Writes the shard's per-replication records, not results; 'netperf merge' joins the N folders into the run. In a Kubernetes Indexed Job K is JOB_COMPLETION_INDEX + 1.",
            HelpName = "K/N",
            CustomParser = OptionParsers.Shard,
        };
        var command = new Command("run", "Run a scenario: every variant x workload x path, then write results/<scenario>/<run>/ (CSV, plots, report.html).") { file, allowOutside, manifests, variant, shard };
        options.AddTo(command);
        var k8s = new K8sNetperfMode();
        k8s.AddTo(command);
        command.SetAction(parse =>
        {
            string path = parse.GetValue(file)!;
            if (File.Exists(path) && new FileInfo(path).Length < ScenarioReaderLimit && File.ReadAllText(path) is var text && Scenarios.Compat.K8sNetperfConfig.Looks(text))
            {
                // k8s-netperf's own config file: its flags, its files (README, "k8s-netperf configs").
                if (parse.GetResult(options.Format) is { Implicit: false })
                {
                    // NetPerf's -o has no meaning for k8s-netperf's outputs: refused rather than silently ignored.
                    error.WriteLine($"netperf: {path} is a k8s-netperf config, whose outputs are k8s-netperf's (its CSV, and --json for its JSON); -o/--output is NetPerf's own format and does not apply: drop it, or give --json.");
                    return ExitCodes.UsageError;
                }

                if (parse.GetResult(shard) is { Implicit: false })
                {
                    error.WriteLine($"netperf: {path} is a k8s-netperf config; --shard splits a NetPerf scenario's simulations and does not apply to it.");
                    return ExitCodes.UsageError;
                }

                return k8s.Run(parse, path, text, parse.GetResult(options.ResultsDir)?.Implicit != false ? null : parse.GetValue(options.ResultsDir), output, error);
            }

            var scenario = ScenarioFile.Load(path, error, parse.GetValue(allowOutside), parse.GetValue(manifests), parse.GetValue(options.MaxMemory));
            if (scenario is null)
            {
                return ExitCodes.InvalidScenario;
            }

            var only = parse.GetValue(variant) ?? [];
            var names = scenario.Variants().Select(v => v.Name).ToList();
            if (only.FirstOrDefault(v => !names.Contains(v)) is { } unknown)
            {
                error.WriteLine($"netperf: --variant '{Scenarios.Loading.Printable.Escape(unknown)}' is not a variant of {scenario.Name}{Scenarios.Loading.DidYouMean.Suggest(unknown, names)}; its variants are: {string.Join(", ", names)}.");
                return ExitCodes.UsageError;
            }

            string? baseline = only.Length > 0 && scenario.Baseline is { } b && !only.Contains(b) ? only[0] : null;
            var settings = options.Read(parse, "netperf " + string.Join(' ', parse.Tokens.Select(t => t.Value)), baseline, only);
            settings = settings with { Options = settings.Options with { Shard = parse.GetValue(shard) } };
            return ScenarioExecution.Run(scenario, settings, output, error).Code;
        });
        return command;
    }
}

using System.CommandLine;
using NetPerf.Scenarios.Running;

namespace NetPerf.Cli.Commands;

/// <summary>The options run and compare share, and reading them into settings.</summary>
internal sealed class RunOptionsBinding
{
    public Option<bool> Quick { get; } = new("--quick") { Description = "Shorten every simulation (5 ms measured, 1 ms warm-up, one replication): a smoke test." };
    public Option<string> ResultsDir { get; } = OutputFormats.ResultsDir("Where results go: <results-dir>/<scenario>/<run>/ (formerly -o/--output).");
    public Option<OutputFormat> Format { get; } = OutputFormats.Option("the same as table");
    public Option<string?> RunId { get; } = new("--run-id")
    {
        Description = "The run folder's name (default: the UTC date and time).",
        CustomParser = r =>
        {
            string id = r.Tokens.Count > 0 ? r.Tokens[^1].Value : "";
            if (id == Scenarios.Results.RunFolder.Latest)
            {
                r.AddError($"--run-id '{id}' is not allowed: results/<scenario>/{id} is the link to the newest run; give the run another name");
                return null;
            }

            if (id.Length is > 0 and <= 100 && id.All(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_' or '.') && id.Trim('.').Length > 0)
            {
                return id;
            }

            r.AddError($"--run-id '{id}' is not allowed: it names one folder, so use letters, digits, '-', '_' and '.' (at most 100), e.g. baseline-1.");
            return null;
        },
    };
    public Option<bool> Samples { get; } = new("--samples") { Description = "Also write every request's latency (samples.csv)." };
    public Option<bool> NoPlots { get; } = new("--no-plots") { Description = "Write the CSV and the report without plots." };
    // Percentile when absent (the enum's zero): no declared default, whose help would read "[default: Percentile]".
    public Option<Reporting.Plots.CdfAxis> Cdf { get; } = new("--cdf")
    {
        Description = "How latency CDFs are drawn: percentile (y 0-100, the default) or tail (x percentile on a log(1/(1-p)) scale up to 99.99, y latency).",
        HelpName = "percentile|tail",
        CustomParser = OptionParsers.Enum<Reporting.Plots.CdfAxis>("--cdf"),
    };

    public Option<long> Parallel { get; } = new("--parallel", "-j")
    {
        Description = "Simulations run at once (results do not depend on it).",
        DefaultValueFactory = _ => Environment.ProcessorCount,
        CustomParser = OptionParsers.AtLeast("--parallel", 1, "one or more threads"),
    };

    public Option<long?> MaxMemory { get; } = ScenarioFile.MaxMemory();

    public void AddTo(Command command)
    {
        command.Options.Add(MaxMemory);
        command.Options.Add(Quick);
        command.Options.Add(ResultsDir);
        command.Options.Add(Format);
        command.Options.Add(RunId);
        command.Options.Add(Samples);
        command.Options.Add(NoPlots);
        command.Options.Add(Cdf);
        command.Options.Add(Parallel);
    }

    public ScenarioExecution.Settings Read(ParseResult parse, string command, string? baseline, IReadOnlyList<string>? variants = null) => new(
        new RunOptions
        {
            Quick = parse.GetValue(Quick),
            KeepSamples = parse.GetValue(Samples),
            Parallelism = (int)Math.Min(parse.GetValue(Parallel), 256),
            Variants = variants ?? [],
            MaxMemory = parse.GetValue(MaxMemory) ?? Scenarios.Estimation.ScenarioEstimate.DefaultMaxMemory,
        },
        parse.GetValue(ResultsDir)!,
        parse.GetValue(RunId),
        !parse.GetValue(NoPlots),
        command,
        baseline,
        parse.GetValue(Format),
        parse.GetValue(Cdf));
}

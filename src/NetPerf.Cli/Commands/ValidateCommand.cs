using System.CommandLine;
using NetPerf.Scenarios.Loading;
using NetPerf.Scenarios.Model;

namespace NetPerf.Cli.Commands;

/// <summary><c>netperf validate</c>: checks scenario files without running them.</summary>
public static class ValidateCommand
{
    /// <summary>One file's verdict as <c>-o json|yaml</c> prints it; the counts are null for an invalid file.</summary>
    internal sealed record FileReport(string File, bool Ok, IReadOnlyList<ErrorReport> Errors, IReadOnlyList<string> Warnings, int? Variants, int? Workloads, int? Simulations);

    internal sealed record ErrorReport(int Line, int Column, string Message);

    public static Command Build(TextWriter output, TextWriter error)
    {
        var files = new Argument<string[]>("scenarios") { Description = "Scenario files to check.", Arity = ArgumentArity.OneOrMore };
        var allowOutside = ScenarioFile.AllowOutside();
        var format = OutputFormats.Option("the same as table");
        var command = new Command("validate", "Check scenario files: every error with file:line:column, what is wrong and what is allowed. Runs nothing.") { files, allowOutside, format };
        command.SetAction(parse =>
        {
            var how = parse.GetValue(format);
            bool structured = how is OutputFormat.Json or OutputFormat.Yaml;
            var reports = new List<FileReport>();
            int bad = 0;
            foreach (var file in parse.GetValue(files)!)
            {
                var warnings = new List<string>();
                Scenario scenario;
                try
                {
                    scenario = ScenarioReader.Load(file, warnings, parse.GetValue(allowOutside));
                    Scenarios.Running.WorkloadProbe.Check(scenario, new Scenarios.Running.RunOptions()); // a workload that can measure nothing is an error here too
                }
                catch (ScenarioException e)
                {
                    bad++;
                    if (structured)
                    {
                        reports.Add(new(file, false, e.Errors.Select(p => new ErrorReport(p.Line, p.Column, p.Message)).ToList(), warnings, null, null, null));
                    }
                    else
                    {
                        ScenarioFile.Print(e, file, error);
                    }

                    continue;
                }

                var variants = scenario.Variants();
                int bgp = Scenarios.Running.BgpUnit.Of(scenario, scenario.Replications).Count;
                int runs = (variants.Count * scenario.Workloads.Sum(w => w.Paths.Count) * scenario.Replications) + bgp;
                if (structured)
                {
                    reports.Add(new(file, true, [], warnings, variants.Count, scenario.Workloads.Count, runs));
                    continue;
                }

                warnings.ForEach(error.WriteLine);
                string what = scenario.Workloads.Count > 0 ? $"{variants.Count} variant(s), {scenario.Workloads.Count} workload(s), " : "";
                output.WriteLine($"{Printable.Escape(file)}: ok ({what}{(bgp > 0 ? $"{bgp} BGP experiment(s), " : "")}{runs} simulation(s))");
            }

            OutputFormats.TryWrite(how, reports, output);
            return bad == 0 ? ExitCodes.Success : ExitCodes.InvalidScenario;
        });
        return command;
    }
}

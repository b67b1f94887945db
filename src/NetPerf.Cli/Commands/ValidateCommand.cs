using System.CommandLine;

namespace NetPerf.Cli.Commands;

/// <summary><c>netperf validate</c>: checks scenario files without running them.</summary>
public static class ValidateCommand
{
    public static Command Build(TextWriter output, TextWriter error)
    {
        var files = new Argument<string[]>("scenarios") { Description = "Scenario files to check.", Arity = ArgumentArity.OneOrMore };
        var allowOutside = ScenarioFile.AllowOutside();
        var command = new Command("validate", "Check scenario files: every error with file:line:column, what is wrong and what is allowed. Runs nothing.") { files, allowOutside };
        command.SetAction(parse =>
        {
            int bad = 0;
            foreach (var file in parse.GetValue(files)!)
            {
                var scenario = ScenarioFile.Load(file, error, parse.GetValue(allowOutside));
                if (scenario is null)
                {
                    bad++;
                    continue;
                }

                var variants = scenario.Variants();
                int bgp = Scenarios.Running.BgpUnit.Of(scenario, scenario.Replications).Count;
                int runs = (variants.Count * scenario.Workloads.Sum(w => w.Paths.Count) * scenario.Replications) + bgp;
                string what = scenario.Workloads.Count > 0 ? $"{variants.Count} variant(s), {scenario.Workloads.Count} workload(s), " : "";
                output.WriteLine($"{Scenarios.Loading.Printable.Escape(file)}: ok ({what}{(bgp > 0 ? $"{bgp} BGP experiment(s), " : "")}{runs} simulation(s))");
            }

            return bad == 0 ? ExitCodes.Success : ExitCodes.InvalidScenario;
        });
        return command;
    }
}

using System.CommandLine;
using NetPerf.Scenarios.Model;
using NetPerf.Scenarios.Running;

namespace NetPerf.Cli.Commands;

/// <summary><c>netperf describe</c>: the cluster a scenario builds for each of its variants (or the one <c>--variant</c> names), as kubectl and ip would show it.</summary>
public static class DescribeCommand
{
    public static Command Build(TextWriter output, TextWriter error)
    {
        var file = ScenarioFile.Argument();
        var allowOutside = ScenarioFile.AllowOutside();
        var manifests = ScenarioFile.Manifests();
        var maxMemory = ScenarioFile.MaxMemory();
        var variant = new Option<string?>("--variant") { Description = "Which variant's cluster (default: every variant's, in the order compare runs them)." };
        var format = OutputFormats.Option("the same as table, which already prints kubectl's -o wide columns");
        var command = new Command("describe", "Build a scenario's cluster, each variant's, and print its nodes, pods and Services (kubectl get -o wide) and routes (ip route get).") { file, allowOutside, manifests, maxMemory, variant, format };
        command.SetAction(parse =>
        {
            var scenario = ScenarioFile.Load(parse.GetValue(file)!, error, parse.GetValue(allowOutside), parse.GetValue(manifests), parse.GetValue(maxMemory));
            if (scenario is null)
            {
                return ExitCodes.InvalidScenario;
            }

            IReadOnlyList<Variant> variants;
            if (parse.GetValue(variant) is { } name)
            {
                if (ScenarioFile.PickVariant(scenario, name, error) is not { } v)
                {
                    return ExitCodes.UsageError;
                }

                variants = [v];
            }
            else
            {
                variants = scenario.Variants();
            }

            // -o json|yaml: a list of one object per variant, whether one or several were asked for, so a script
            // reads the same shape either way (kubectl's List).
            var outputFormat = parse.GetValue(format);
            if (outputFormat is OutputFormat.Json or OutputFormat.Yaml)
            {
                var facts = variants.Select(v => ClusterDescription.Collect(new ClusterBuild(scenario, v, scenario.Seed), v, scenario)).ToList();
                OutputFormats.TryWrite(outputFormat, facts, output);
                return ExitCodes.Success;
            }

            if (variants.Count > 1)
            {
                output.WriteLine($"# {scenario.Name}: {variants.Count} variants, each described below in turn ({string.Join(", ", variants.Select(v => v.Name))}); --variant V describes one");
                output.WriteLine();
            }

            for (int i = 0; i < variants.Count; i++)
            {
                if (i > 0)
                {
                    output.WriteLine();
                }

                // One cluster at a time, printed as soon as it is built (a scenario may compare large clusters).
                output.Write(ClusterDescription.Describe(new ClusterBuild(scenario, variants[i], scenario.Seed), variants[i], scenario));
            }

            return ExitCodes.Success;
        });
        return command;
    }
}

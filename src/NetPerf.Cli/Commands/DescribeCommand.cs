using System.CommandLine;
using NetPerf.Scenarios.Running;

namespace NetPerf.Cli.Commands;

/// <summary><c>netperf describe</c>: the cluster a scenario builds, as kubectl and ip would show it.</summary>
public static class DescribeCommand
{
    public static Command Build(TextWriter output, TextWriter error)
    {
        var file = ScenarioFile.Argument();
        var allowOutside = ScenarioFile.AllowOutside();
        var manifests = ScenarioFile.Manifests();
        var maxMemory = ScenarioFile.MaxMemory();
        var variant = new Option<string?>("--variant") { Description = "Which variant's cluster (default: the first)." };
        var format = OutputFormats.Option("the same as table, which already prints kubectl's -o wide columns");
        var command = new Command("describe", "Build a scenario's cluster and print its nodes, pods and Services (kubectl get -o wide) and routes (ip route get).") { file, allowOutside, manifests, maxMemory, variant, format };
        command.SetAction(parse =>
        {
            var scenario = ScenarioFile.Load(parse.GetValue(file)!, error, parse.GetValue(allowOutside), parse.GetValue(manifests), parse.GetValue(maxMemory));
            if (scenario is null)
            {
                return ExitCodes.InvalidScenario;
            }

            var v = ScenarioFile.PickVariant(scenario, parse.GetValue(variant), error);
            if (v is null)
            {
                return ExitCodes.UsageError;
            }

            var build = new ClusterBuild(scenario, v, scenario.Seed);
            if (!OutputFormats.TryWrite(parse.GetValue(format), ClusterDescription.Collect(build, v, scenario), output))
            {
                output.Write(ClusterDescription.Describe(build, v, scenario));
            }

            return ExitCodes.Success;
        });
        return command;
    }
}

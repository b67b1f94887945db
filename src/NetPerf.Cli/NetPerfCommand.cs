using System.CommandLine;
using NetPerf.Cli.Commands;

namespace NetPerf.Cli;

/// <summary>The root command: <c>netperf sample queue</c> until the scenario commands arrive.</summary>
public static class NetPerfCommand
{
    public static RootCommand Build(TextWriter output, TextWriter error)
    {
        var root = new RootCommand(
            "NetPerf: a discrete-event simulator of Kubernetes cluster networking (latency and CPU per communication path).");
        var sample = new Command("sample", "Engine samples that double as checks against queueing theory.");
        sample.Subcommands.Add(QueueSampleCommand.Build(output, error));
        root.Subcommands.Add(sample);
        return root;
    }
}

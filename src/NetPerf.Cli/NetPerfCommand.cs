using System.CommandLine;
using NetPerf.Cli.Commands;

namespace NetPerf.Cli;

/// <summary>The root command: run, compare, trace, describe and validate scenario files; the engine samples.</summary>
public static class NetPerfCommand
{
    /// <summary>Parses and runs; a command line with errors runs nothing and returns <see cref="ExitCodes.UsageError"/>.</summary>
    public static int Run(string[] args, TextWriter output, TextWriter error)
    {
        var parse = Build(output, error).Parse(args);
        if (parse.Errors.Count > 0)
        {
            // What is wrong and what is allowed, one line each.
            foreach (var e in parse.Errors)
            {
                error.WriteLine($"netperf: {e.Message}");
            }

            error.WriteLine("Run 'netperf --help' (or add --help to any command) for usage.");
            return ExitCodes.UsageError;
        }

        return parse.Invoke(new InvocationConfiguration { Output = output, Error = error });
    }

    public static RootCommand Build(TextWriter output, TextWriter error)
    {
        var root = new RootCommand(
            "NetPerf: a discrete-event simulator of Kubernetes cluster networking (latency and CPU per communication path).");
        var sample = new Command("sample", "Samples that double as checks: a queue against queueing theory, netperf tests between two hosts.");
        sample.Subcommands.Add(QueueSampleCommand.Build(output, error));
        sample.Subcommands.Add(TwoHostsSampleCommand.Build(output, error));
        root.Subcommands.Add(RunCommand.Build(output, error));
        root.Subcommands.Add(CompareCommand.Build(output, error));
        root.Subcommands.Add(MergeCommand.Build(output, error));
        root.Subcommands.Add(DiffCommand.Build(output, error));
        root.Subcommands.Add(TraceCommand.Build(output, error));
        root.Subcommands.Add(DescribeCommand.Build(output, error));
        root.Subcommands.Add(ValidateCommand.Build(output, error));
        root.Subcommands.Add(CalibrateCommand.Build(output, error));
        root.Subcommands.Add(ValidateWorkerCommand.Build(output));
        root.Subcommands.Add(sample);
        return root;
    }
}

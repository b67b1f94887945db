using System.CommandLine;
using NetPerf.Cli.Commands;

namespace NetPerf.Cli;

/// <summary>The root command: run, compare, trace, describe and validate scenario files; the engine samples.</summary>
public static class NetPerfCommand
{
    /// <summary>Parses and runs; a command line with errors runs nothing and returns <see cref="ExitCodes.UsageError"/>.</summary>
    public static int Run(string[] args, TextWriter output, TextWriter error)
    {
        var root = Build(output, error);
        if (args.Length == 0)
        {
            // Bare "netperf": what it can do, as "netperf --help" shows it (kubectl does the same).
            return root.Parse(["--help"]).Invoke(new InvocationConfiguration { Output = output, Error = error });
        }

        var parse = root.Parse(args);
        if (ReferenceEquals(parse.CommandResult.Command, root) && !args[0].StartsWith('-'))
        {
            var commands = root.Subcommands.Where(c => !c.Hidden).Select(c => c.Name).ToList();
            error.WriteLine($"netperf: '{Scenarios.Loading.Printable.Escape(args[0])}' is not a netperf command{Scenarios.Loading.DidYouMean.Suggest(args[0], commands)}; commands: {string.Join(", ", commands)}.");
            error.WriteLine("Run 'netperf --help' (or add --help to any command) for usage.");
            return ExitCodes.UsageError;
        }

        // An option the command does not have is parsed as an argument: of a command that takes several files it
        // would be read as one ("--quick:1:1: cannot read the scenario"), and otherwise System.CommandLine's message
        // names whatever came after it ("Unrecognized command or argument 'scenario.yaml'"). Name the option itself.
        var unknown = UnknownOptions(parse, args);
        if (parse.Errors.Count > 0 || unknown.Count > 0)
        {
            foreach (string option in unknown)
            {
                error.WriteLine($"netperf: '{option}' is not an option of '{parse.CommandResult.Command.Name}'{Scenarios.Loading.DidYouMean.Suggest(option, OptionNames(parse.CommandResult))}.");
            }

            // What is wrong and what is allowed, one line each.
            foreach (var e in unknown.Count > 0 ? [] : parse.Errors)
            {
                error.WriteLine($"netperf: {e.Message}");
            }

            error.WriteLine("Run 'netperf --help' (or add --help to any command) for usage.");
            return ExitCodes.UsageError;
        }

        return parse.Invoke(new InvocationConfiguration { Output = output, Error = error });
    }

    /// <summary>The command line's words that look like options (a dash and a letter) and are none of the parsed command's, before any "--".</summary>
    private static List<string> UnknownOptions(ParseResult parse, string[] args)
    {
        var known = OptionNames(parse.CommandResult).ToHashSet(StringComparer.Ordinal);
        var unknown = new List<string>();
        foreach (string arg in args.TakeWhile(a => a != "--"))
        {
            // "--name=value" is one option; "-5" is a number, not an option.
            string name = arg.Split('=', 2)[0];
            if (name.Length > 1 && name[0] == '-' && char.IsLetter(name.TrimStart('-').FirstOrDefault()) && !known.Contains(name))
            {
                unknown.Add(Scenarios.Loading.Printable.Escape(name));
            }
        }

        return unknown;
    }

    /// <summary>Every name and alias of the options the command takes, its own and those it inherits (--help).</summary>
    private static IEnumerable<string> OptionNames(System.CommandLine.Parsing.CommandResult command)
    {
        for (var c = command; c is not null; c = c.Parent as System.CommandLine.Parsing.CommandResult)
        {
            foreach (var option in c.Command.Options.Where(o => ReferenceEquals(c, command) || o.Recursive))
            {
                yield return option.Name;
                foreach (string alias in option.Aliases)
                {
                    yield return alias;
                }
            }
        }
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

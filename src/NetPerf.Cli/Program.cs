using NetPerf.Cli;

var parse = NetPerfCommand.Build(Console.Out, Console.Error).Parse(args);
if (parse.Errors.Count > 0)
{
    // What is wrong and what is allowed, one line each; nothing has run.
    foreach (var e in parse.Errors)
    {
        Console.Error.WriteLine($"netperf: {e.Message}");
    }

    Console.Error.WriteLine("Run 'netperf --help' (or add --help to any command) for usage.");
    return ExitCodes.UsageError;
}

return parse.Invoke();

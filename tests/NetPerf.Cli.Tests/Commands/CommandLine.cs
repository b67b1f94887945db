using NetPerf.Cli;

namespace NetPerf.Cli.Tests.Commands;

/// <summary>Runs the netperf command line in-process and captures what it prints.</summary>
internal static class CommandLine
{
    public static (int Code, string Out, string Err) Run(params string[] args)
    {
        var output = new StringWriter();
        var error = new StringWriter();
        int code = NetPerfCommand.Run(args, output, error);
        return (code, output.ToString(), error.ToString());
    }
}

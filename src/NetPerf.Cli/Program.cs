using NetPerf.Cli;

return NetPerfCommand.Run(args, Console.Out, Console.Error);

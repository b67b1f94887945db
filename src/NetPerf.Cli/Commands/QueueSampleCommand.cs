using System.CommandLine;
using System.Diagnostics;
using System.Globalization;
using NetPerf.Engine.Time;
using NetPerf.Samples.Queueing;

namespace NetPerf.Cli.Commands;

/// <summary>
/// <c>netperf sample queue</c>: an M/M/1 (or M/D/1) queue on the engine, printing the measured mean wait in
/// queue with its confidence interval beside the Pollaczek-Khinchine value.
/// </summary>
public static class QueueSampleCommand
{
    public static Command Build(TextWriter output, TextWriter error)
    {
        var utilisation = new Option<double>("--utilisation", "-u")
        {
            Description = "Server utilisation rho = lambda x E[S], strictly between 0 and 1.",
            DefaultValueFactory = _ => 0.9,
            CustomParser = OptionParsers.OpenInterval("--utilisation", 0, 1, "0.5 or 0.9; a queue at 1 or more never empties"),
        };

        var service = new Option<ServiceDistribution>("--service", "-s")
        {
            Description = "Service-time distribution: exponential (M/M/1) or deterministic (M/D/1).",
            DefaultValueFactory = _ => ServiceDistribution.Exponential,
            CustomParser = OptionParsers.Enum<ServiceDistribution>("--service"),
        };

        var meanService = new Option<SimTime>("--mean-service")
        {
            Description = "Mean service time with a unit: s, ms, us, ns or ps (e.g. \"1 us\").",
            DefaultValueFactory = _ => SimTime.FromMicroseconds(1),
            CustomParser = OptionParsers.PositiveTime("--mean-service"),
        };

        var customers = new Option<long>("--customers", "-n")
        {
            Description = "Customers measured after the warm-up.",
            DefaultValueFactory = _ => 2_000_000,
            CustomParser = OptionParsers.AtLeast("--customers", 1000, "the interval needs 32 batches of several customers"),
        };

        var warmup = new Option<long>("--warmup")
        {
            Description = "Customers served first and discarded (default: 5% of --customers).",
            CustomParser = OptionParsers.AtLeast("--warmup", 0, "a count of customers"),
        };

        var seed = new Option<ulong>("--seed")
        {
            Description = "Run seed: the same seed prints the same numbers.",
            DefaultValueFactory = _ => 1,
        };

        var command = new Command("queue", "Simulate an M/M/1 or M/D/1 queue and compare its mean wait with Pollaczek-Khinchine.")
        {
            utilisation, service, meanService, customers, warmup, seed,
        };

        command.SetAction(parse =>
        {
            long n = parse.GetValue(customers);
            var p = new QueueParameters(
                parse.GetValue(utilisation),
                parse.GetValue(meanService),
                parse.GetValue(service),
                n,
                parse.GetResult(warmup) is null ? n / 20 : parse.GetValue(warmup),
                parse.GetValue(seed));

            var clock = Stopwatch.StartNew();
            QueueReport report = new SingleServerQueue(p).Run();
            clock.Stop();

            output.Write(report.ToText());
            // Wall-clock figures go to stderr so that stdout is identical for identical seeds.
            error.WriteLine(string.Create(
                CultureInfo.InvariantCulture,
                $"  wall clock              {clock.Elapsed.TotalSeconds:0.00} s ({report.EventsExecuted / clock.Elapsed.TotalSeconds / 1e6:0.0} M events/s)"));
            return report.WaitInQueueSeconds.Contains(report.AnalyticWaitInQueueSeconds) || Math.Abs(report.RelativeError) <= 0.02
                ? ExitCodes.Success
                : ExitCodes.CheckFailed;
        });

        return command;
    }
}

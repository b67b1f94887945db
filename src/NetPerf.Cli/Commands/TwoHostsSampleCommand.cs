using System.CommandLine;
using System.Diagnostics;
using System.Globalization;
using NetPerf.Engine.Time;
using NetPerf.Samples.Netperf;
using NetPerf.Transport.Tcp;

namespace NetPerf.Cli.Commands;

/// <summary>
/// <c>netperf sample two-hosts</c>: one netperf test (TCP_RR, TCP_CRR, TCP_STREAM, UDP_RR, UDP_STREAM) between two
/// hosts cabled back to back, printing latency percentiles, throughput and the kernel CPU by host and stage.
/// </summary>
public static class TwoHostsSampleCommand
{
    public static Command Build(TextWriter output, TextWriter error)
    {
        var defaults = new TwoHostParameters();
        var test = new Option<NetperfTest>("--test", "-t")
        {
            Description = "The netperf test: TCP_RR, TCP_CRR, TCP_STREAM, UDP_RR or UDP_STREAM.",
            DefaultValueFactory = _ => defaults.Test,
            CustomParser = OptionParsers.Enum<NetperfTest>("--test"),
        };
        var clients = new Option<long>("--clients", "-c")
        {
            Description = "Concurrent clients (connections, or UDP sockets).",
            DefaultValueFactory = _ => defaults.Clients,
            CustomParser = OptionParsers.AtLeast("--clients", 1, "one or more clients"),
        };
        var request = new Option<long>("--request")
        {
            Description = "Request size in bytes (the RR tests).",
            DefaultValueFactory = _ => defaults.RequestBytes,
            CustomParser = OptionParsers.AtLeast("--request", 1, "bytes"),
        };
        var response = new Option<long>("--response")
        {
            Description = "Response size in bytes (the RR tests).",
            DefaultValueFactory = _ => defaults.ResponseBytes,
            CustomParser = OptionParsers.AtLeast("--response", 1, "bytes"),
        };
        var link = new Option<double>("--link-gbit")
        {
            Description = "Line rate of the cable in Gbit/s.",
            DefaultValueFactory = _ => defaults.LinkGigabits,
            CustomParser = OptionParsers.OpenInterval("--link-gbit", 0, 1000, "10 or 25"),
        };
        var delay = new Option<SimTime>("--delay")
        {
            Description = "Propagation delay one way, with a unit (e.g. \"5 us\").",
            DefaultValueFactory = _ => defaults.Propagation,
            CustomParser = OptionParsers.PositiveTime("--delay"),
        };
        var mtu = new Option<long>("--mtu")
        {
            Description = "The hosts' MTU in bytes (1500, or 9000 for jumbo frames).",
            DefaultValueFactory = _ => defaults.Mtu,
            CustomParser = OptionParsers.AtLeast("--mtu", 576, "IPv4 hosts must take 576-byte datagrams"),
        };
        var noOffloads = new Option<bool>("--no-offloads")
        {
            Description = "Turn TSO, GSO and GRO off (every segment walks the whole stack).",
        };
        var cc = new Option<CongestionControlKind>("--cc")
        {
            Description = "TCP congestion control: Cubic or NewReno.",
            DefaultValueFactory = _ => defaults.CongestionControl,
            CustomParser = OptionParsers.Enum<CongestionControlKind>("--cc"),
        };
        var udpRate = new Option<double>("--udp-gbit")
        {
            Description = "UDP_STREAM's offered rate in Gbit/s.",
            DefaultValueFactory = _ => defaults.UdpGigabits,
            CustomParser = OptionParsers.OpenInterval("--udp-gbit", 0, 1000, "1 or 5"),
        };
        var duration = new Option<SimTime>("--duration")
        {
            Description = "Simulated time measured after the warm-up (e.g. \"200 ms\").",
            DefaultValueFactory = _ => defaults.Duration,
            CustomParser = OptionParsers.PositiveTime("--duration"),
        };
        var warmup = new Option<SimTime>("--warmup")
        {
            Description = "Simulated time run first and not measured (e.g. \"10 ms\").",
            DefaultValueFactory = _ => defaults.WarmUp,
            CustomParser = OptionParsers.PositiveTime("--warmup"),
        };
        var seed = new Option<ulong>("--seed")
        {
            Description = "Run seed: the same seed prints the same numbers.",
            DefaultValueFactory = _ => defaults.Seed,
        };

        var command = new Command("two-hosts", "Run a netperf test (TCP_RR, TCP_CRR, TCP_STREAM, UDP_RR, UDP_STREAM) between two hosts cabled back to back.")
        {
            test, clients, request, response, link, delay, mtu, noOffloads, cc, udpRate, duration, warmup, seed,
        };

        command.SetAction(parse =>
        {
            var p = new TwoHostParameters
            {
                Test = parse.GetValue(test),
                Clients = (int)Math.Min(parse.GetValue(clients), 100_000),
                RequestBytes = (int)Math.Min(parse.GetValue(request), int.MaxValue),
                ResponseBytes = (int)Math.Min(parse.GetValue(response), int.MaxValue),
                LinkGigabits = parse.GetValue(link),
                Propagation = parse.GetValue(delay),
                Mtu = (int)Math.Min(parse.GetValue(mtu), 65536),
                Offloads = !parse.GetValue(noOffloads),
                CongestionControl = parse.GetValue(cc),
                UdpGigabits = parse.GetValue(udpRate),
                Duration = parse.GetValue(duration),
                WarmUp = parse.GetValue(warmup),
                Seed = parse.GetValue(seed),
            };

            var clock = Stopwatch.StartNew();
            var (report, events) = new TwoHostNetperf(p).Run();
            clock.Stop();
            output.Write(NetperfReportText.Format(p, report));
            error.WriteLine(string.Create(
                CultureInfo.InvariantCulture,
                $"  wall clock              {clock.Elapsed.TotalSeconds:0.00} s ({events / clock.Elapsed.TotalSeconds / 1e6:0.0} M events/s)"));
            return ExitCodes.Success;
        });

        return command;
    }
}

using System.CommandLine;
using NetPerf.Reporting.K8sNetperf;
using NetPerf.Scenarios.Compat;
using NetPerf.Scenarios.Loading;

namespace NetPerf.Cli.Commands;

/// <summary>
/// <c>netperf run netperf.yml</c> with k8s-netperf's own config: its flags (--local, --across, --hostNet, --all,
/// --json, --tcp-tolerance, --serverIP) with their meanings, result-&lt;time&gt;.csv and --json as k8s-netperf writes them. The
/// time in both (the CSV's suffix, the JSON's timestamp) is the Unix epoch plus --seed seconds, not the clock,
/// so a run is reproducible; uuid is "k8s-netperf", as k8s-netperf's own --json writes it.
/// </summary>
internal sealed class K8sNetperfMode
{
    public Option<bool> Local { get; } = new("--local") { Description = "k8s-netperf: server and client on the same node." };
    public Option<bool> Across { get; } = new("--across") { Description = "k8s-netperf: client and server across availability zones (its help); k8s-netperf ignores it, and so does this (a note on stderr says why)." };
    public Option<bool> HostNet { get; } = new("--hostNet") { Description = "k8s-netperf: only hostNetwork tests." };
    public Option<bool> All { get; } = new("--all") { Description = "k8s-netperf: hostNetwork and pod network tests." };
    public Option<bool> JsonOut { get; } = new("--json") { Description = "k8s-netperf: its JSON documents on stdout instead of the tables." };
    public Option<double> Tolerance { get; } = new("--tcp-tolerance") { Description = "k8s-netperf: allowed %diff of hostNetwork over pod network TCP_STREAM (with --all); beyond it, exit 1.", DefaultValueFactory = _ => 10 };
    public Option<string?> ServerIp { get; } = new("--serverIP") { Description = "k8s-netperf: an external server's address; the client pod measures the host beyond the cluster's edge (the egress path), reported as External Server." };
    public Option<string> Cni { get; } = new("--cni") { Description = "k8s-netperf config: the simulated cluster's plugin (default flannel-vxlan).", DefaultValueFactory = _ => "flannel-vxlan" };
    public Option<string> KubeProxy { get; } = new("--kube-proxy") { Description = "k8s-netperf config: the simulated cluster's kube-proxy mode (default iptables).", DefaultValueFactory = _ => "iptables" };
    public Option<ulong> Seed { get; } = new("--seed") { Description = "k8s-netperf config: the seed (also the files' time: Unix epoch + seed seconds).", DefaultValueFactory = _ => 1UL };

    public void AddTo(Command c)
    {
        foreach (var o in (Option[])[Local, Across, HostNet, All, JsonOut, Tolerance, ServerIp, Cni, KubeProxy, Seed])
        {
            c.Options.Add(o);
        }
    }

    public int Run(ParseResult parse, string file, string text, string? dir, TextWriter output, TextWriter error)
    {
        string cni = parse.GetValue(Cni)!, proxy = parse.GetValue(KubeProxy)!;
        if (!Scenarios.Model.Choices.Cni.Contains(cni) || !Scenarios.Model.Choices.KubeProxy.Contains(proxy))
        {
            error.WriteLine($"netperf: --cni '{Printable.Escape(cni)}' / --kube-proxy '{Printable.Escape(proxy)}': allowed plugins {string.Join(", ", Scenarios.Model.Choices.Cni)}; modes {string.Join(", ", Scenarios.Model.Choices.KubeProxy)}.");
            return ExitCodes.UsageError;
        }

        var o = new K8sNetperfOptions
        {
            Local = parse.GetValue(Local), Across = parse.GetValue(Across), HostNetOnly = parse.GetValue(HostNet), All = parse.GetValue(All),
            TcpTolerance = parse.GetValue(Tolerance), Cni = cni, KubeProxy = proxy, Seed = parse.GetValue(Seed),
            ServerIp = parse.GetValue(ServerIp) is { Length: > 0 } ip ? ip : null,
        };
        K8sNetperfOutcome outcome;
        try
        {
            outcome = K8sNetperfRun.Run(K8sNetperfConfig.Parse(text, file), o, file);
        }
        catch (ScenarioException e)
        {
            ScenarioFile.Print(e, file, error);
            return ExitCodes.InvalidScenario;
        }

        outcome.Skipped.Concat(outcome.Notes).ToList().ForEach(s => error.WriteLine($"netperf: {s}"));
        var at = DateTimeOffset.UnixEpoch.AddSeconds(o.Seed);
        string path = Path.Combine(dir ?? ".", K8sNetperfFiles.CsvName(at));
        Directory.CreateDirectory(dir ?? ".");
        File.WriteAllText(path, K8sNetperfFiles.Csv(outcome.Rows));
        if (parse.GetValue(JsonOut))
        {
            output.Write(K8sNetperfFiles.Json(outcome.Rows, at, typeof(K8sNetperfMode).Assembly.GetName().Version?.ToString() ?? ""));
        }
        else
        {
            foreach (var r in outcome.Rows)
            {
                output.WriteLine($"{r.Profile,-11} host network {r.HostNetwork,-5} service {r.Service,-5} same node {r.SameNode,-5} message {r.MessageSize,6} x{r.Parallelism}  {r.Throughput.Average(),12:F2} {r.Metric}  p99 {r.Latency99.Average(),9:F2} usec");
            }

            output.WriteLine($"Results: {path}");
        }

        foreach (var f in outcome.ToleranceFailures)
        {
            error.WriteLine($"netperf: {f}");
        }

        return outcome.ToleranceFailures.Count > 0 ? 1 : ExitCodes.Success;
    }
}

using System.CommandLine;
using System.Globalization;
using NetPerf.Scenarios.Model;
using NetPerf.Scenarios.Tracing;

namespace NetPerf.Cli.Commands;

/// <summary>
/// <c>netperf trace</c>: one transaction over one path, hop by hop (node/namespace/device, kernel stage, core,
/// when, CPU), then the CPU by stage: ip route get meets traceroute, with costs.
/// </summary>
public static class TraceCommand
{
    public static Command Build(TextWriter output, TextWriter error)
    {
        var file = ScenarioFile.Argument();
        var allowOutside = ScenarioFile.AllowOutside();
        var manifests = ScenarioFile.Manifests();
        var maxMemory = ScenarioFile.MaxMemory();
        var path = new Option<string>("--path", "-p")
        {
            Description = $"The communication path: {string.Join(", ", CommunicationPaths.Names)}.",
            Required = true,
        };
        path.Validators.Add(OptionParsers.OnlyAmong("--path", [.. CommunicationPaths.Names]));
        var variant = new Option<string?>("--variant") { Description = "Which variant (default: the first)." };
        var workload = new Option<string?>("--workload", "-w") { Description = "Which workload's test and sizes (default: the first that measures the path, else the first)." };
        var command = new Command("trace", "Follow one request and its response over a path, hop by hop, with the CPU each step costs.") { file, allowOutside, manifests, maxMemory, path, variant, workload };
        command.SetAction(parse =>
        {
            var scenario = ScenarioFile.Load(parse.GetValue(file)!, error, parse.GetValue(allowOutside), parse.GetValue(manifests), parse.GetValue(maxMemory));
            if (scenario is null)
            {
                return ExitCodes.InvalidScenario;
            }

            if (!ScenarioFile.HasWorkloads(scenario, "trace", error))
            {
                return ExitCodes.UsageError;
            }

            var v = ScenarioFile.PickVariant(scenario, parse.GetValue(variant), error);
            string? wName = parse.GetValue(workload);
            var p = CommunicationPaths.Parse(parse.GetValue(path)!);
            // By default the first workload that measures the path (the one whose trace the run's figures come from).
            var w = wName is null ? scenario.Workloads.FirstOrDefault(x => x.Paths.Contains(p)) ?? scenario.Workloads[0] : scenario.Workloads.FirstOrDefault(x => x.Name == wName);
            if (v is null || w is null)
            {
                if (w is null)
                {
                    error.WriteLine($"netperf: --workload '{Scenarios.Loading.Printable.Escape(wName!)}' is not in {scenario.Name}{Scenarios.Loading.DidYouMean.Suggest(wName!, scenario.Workloads.Select(x => x.Name))}; its workloads are: {string.Join(", ", scenario.Workloads.Select(x => x.Name))}.");
                }

                return ExitCodes.UsageError;
            }

            if (!w.Paths.Contains(p))
            {
                error.WriteLine($"netperf: note: workload '{w.Name}' does not measure {CommunicationPaths.Name(p)} in {scenario.Name} (its paths: {(w.Paths.Count == 0 ? "none; it names its endpoints" : string.Join(", ", w.Paths.Select(CommunicationPaths.Name)))}); tracing {CommunicationPaths.Name(p)} with its test and sizes.");
            }

            if (p == CommunicationPath.LoadBalancer && scenario.Cluster.Fabric == Kubernetes.Cluster.ClusterFabric.Kind)
            {
                error.WriteLine("netperf: --path load-balancer: a kind cluster has no external load balancer in front of its nodes (cluster.fabric: kind); trace node-port, or use fabric: switch.");
                return ExitCodes.UsageError;
            }

            PathTrace trace;
            try
            {
                trace = PathTrace.Run(scenario, v, w, p);
            }
            catch (Exception e) when (e is InvalidOperationException or NotSupportedException)
            {
                error.WriteLine($"netperf: {e.Message}");
                return ExitCodes.RunFailed;
            }

            Print(output, trace, scenario, v, w, p);
            return ExitCodes.Success;
        });
        return command;
    }

    private static void Print(TextWriter o, PathTrace t, Scenario s, Variant v, WorkloadSpec w, CommunicationPath p)
    {
        var inv = CultureInfo.InvariantCulture;
        o.WriteLine($"# {s.Name}: {p.Name()} with {v.Cni}, {s.Cluster.Cilium.KubeProxyOf(v)}; one {w.Test.TracedAs} transaction of {w.RequestBytes} B / {w.ResponseBytes} B (the third on its connection){(w.Test.TracedAs != w.Test ? $"; {w.Test} is traced as {w.Test.TracedAs}, a stream having no transactions" : "")}");
        int width = Math.Max(24, t.Hops.Max(h => h.Where.Length));
        o.WriteLine($"{"step",4}  {"t (us)",9}  {"pkt",4}  {"where".PadRight(width)}  {"stage",-30} {"core",4}  {"cpu (ns)",9}  packet (shown where it changes: NAT, encapsulation)");
        var seen = new Dictionary<int, string>();
        foreach (var h in t.Hops)
        {
            string stage = h.Hook is null ? h.Stage.ToString() : $"{h.Stage} {h.Hook}";
            string flow = seen.TryGetValue(h.Packet, out var last) && last == h.Flow ? "" : h.Flow;
            seen[h.Packet] = h.Flow;
            o.WriteLine(string.Create(inv, $"{h.Step,4}  {h.AtMicroseconds,9:F3}  {h.Packet,4}  {h.Where.PadRight(width)}  {stage,-30} {h.Core,4}  {h.CostNanoseconds,9:F1}  {flow}").TrimEnd());
        }

        foreach (var d in t.Drops)
        {
            o.WriteLine($"DROP {d}");
        }

        if (t.Fabric.Count > 0)
        {
            // The boxes between the racks forward in hardware (no stage above), and each ToR picks a spine per flow by ECMP.
            o.WriteLine();
            o.WriteLine($"Fabric (ToR and spine routers, forwarding in hardware{(s.Cluster.Spines > 1 ? $"; each ToR picks one of {s.Cluster.Spines} spines per flow by the ECMP hash of its 5-tuple" : "")}):");
            foreach (var c in t.Fabric)
            {
                o.WriteLine($"  pkt {c.Packet,4}  {c.Flow}:  {string.Join(" > ", c.Boxes)}");
            }
        }

        o.WriteLine();
        o.WriteLine("CPU by stage over the transaction:");
        foreach (var (stage, times, ns) in t.ByStage)
        {
            o.WriteLine(string.Create(inv, $"  {stage,-22} x{times,-3} {ns,10:F1} ns"));
        }

        o.WriteLine(string.Create(inv, $"  {"total",-22} {"",4} {t.TotalCpuNanoseconds,10:F1} ns of CPU; latency {t.Latency.TotalMicroseconds:F3} us"));
    }
}

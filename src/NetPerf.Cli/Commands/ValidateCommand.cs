using System.CommandLine;
using NetPerf.Scenarios.Estimation;
using NetPerf.Scenarios.Loading;
using NetPerf.Scenarios.Model;

namespace NetPerf.Cli.Commands;

/// <summary><c>netperf validate</c>: checks scenario files without running them.</summary>
public static class ValidateCommand
{
    /// <summary>One file's verdict as <c>-o json|yaml</c> prints it; the counts are null for an invalid file.</summary>
    internal sealed record FileReport(string File, bool Ok, IReadOnlyList<ErrorReport> Errors, IReadOnlyList<string> Warnings, int? Variants, int? Workloads, int? Simulations)
    {
        /// <summary>What each variant's simulation will hold and take (null for an invalid file).</summary>
        public IReadOnlyList<EstimateReport>? Estimate { get; init; }
    }

    /// <summary>One variant's estimate, as <c>-o json|yaml</c> prints it.</summary>
    internal sealed record EstimateReport(string Variant, int Nodes, long Pods, long Services, long Endpoints, long RulesPerNode, long RoutesPerNode, long BgpSessions,
        long Bytes, double BuildSeconds, long EventsPerSimulatedSecond, long EventsPerSimulation, double SimulateSeconds, string Driver)
    {
        public static EstimateReport Of(ScaleEstimate e) => new(e.Variant, e.Nodes, e.Pods, e.Services, e.Endpoints, e.RulesPerNode, e.RoutesPerNode, e.BgpSessions,
            e.Bytes, Math.Round(e.BuildSeconds, 3), e.EventsPerSimulatedSecond, e.EventsPerSimulation, Math.Round(e.SimulateSeconds, 3), e.Driver.What);
    }

    /// <summary>An error where it is: a manifest's error names the manifest, not the scenario that lists it.</summary>
    internal sealed record ErrorReport(string File, int Line, int Column, string Message);

    public static Command Build(TextWriter output, TextWriter error)
    {
        var files = new Argument<string[]>("scenarios") { Description = "Scenario files to check.", Arity = ArgumentArity.OneOrMore };
        var allowOutside = ScenarioFile.AllowOutside();
        var manifests = ScenarioFile.Manifests();
        var maxMemory = ScenarioFile.MaxMemory();
        var format = OutputFormats.Option("the same as table");
        var command = new Command("validate", "Check scenario files: every error with file:line:column, what is wrong and what is allowed. Runs nothing.") { files, allowOutside, manifests, maxMemory, format };
        command.SetAction(parse =>
        {
            var how = parse.GetValue(format);
            bool structured = how is OutputFormat.Json or OutputFormat.Yaml;
            var reports = new List<FileReport>();
            int bad = 0;
            foreach (var file in parse.GetValue(files)!)
            {
                var warnings = new List<string>();
                Scenario scenario;
                try
                {
                    scenario = ScenarioReader.Load(file, warnings, parse.GetValue(allowOutside), parse.GetValue(manifests), parse.GetValue(maxMemory));
                    // A workload that can measure nothing is an error here too; the probe builds each variant's cluster,
                    // so a cluster that takes long to build (Kubernetes' 5,000-node threshold) is left to run's probe.
                    var probeEstimate = ScenarioEstimate.Of(scenario);
                    if (probeEstimate.Variants.Count > 0 && probeEstimate.Variants.Max(v => v.BuildSeconds) > ProbeBuildBudgetSeconds)
                    {
                        warnings.Add($"{Printable.Escape(file)}: warning: the workload probe (a first transaction over each path, on the cluster the run builds) was skipped: one build takes about {probeEstimate.Variants.Max(v => v.BuildSeconds):0} s by the estimate; 'netperf run' probes before simulating");
                    }
                    else
                    {
                        Scenarios.Running.WorkloadProbe.Check(scenario, new Scenarios.Running.RunOptions());
                    }
                }
                catch (ScenarioException e)
                {
                    bad++;
                    if (structured)
                    {
                        reports.Add(new(file, false, e.Errors.Select(p => new ErrorReport(p.File, p.Line, p.Column, p.Message)).ToList(), warnings, null, null, null));
                    }
                    else
                    {
                        ScenarioFile.Print(e, file, error);
                    }

                    continue;
                }

                var variants = scenario.Variants();
                int bgp = Scenarios.Running.BgpUnit.Of(scenario, scenario.Replications).Count;
                var estimate = ScenarioEstimate.Of(scenario);
                int runs = (int)estimate.Simulations; // per variant: each workload and path apart, or one run of them together
                if (structured)
                {
                    reports.Add(new(file, true, [], warnings, variants.Count, scenario.Workloads.Count, runs) { Estimate = [.. estimate.Variants.Select(EstimateReport.Of)] });
                    continue;
                }

                warnings.ForEach(error.WriteLine);
                string what = scenario.Workloads.Count > 0 ? $"{variants.Count} variant(s), {scenario.Workloads.Count} workload(s), " : "";
                output.WriteLine($"{Printable.Escape(file)}: ok ({what}{(bgp > 0 ? $"{bgp} BGP experiment(s), " : "")}{runs} simulation(s))");
                WriteEstimate(estimate, output);
            }

            OutputFormats.TryWrite(how, reports, output);
            return bad == 0 ? ExitCodes.Success : ExitCodes.InvalidScenario;
        });
        return command;
    }

    /// <summary>Past this estimated build time of one cluster, validate does not build it to probe the workloads (NetPerf's judgement: validate answers in seconds).</summary>
    internal const double ProbeBuildBudgetSeconds = 10;

    /// <summary>The largest variant's estimate in two lines: what the cluster holds, then memory and time.</summary>
    private static void WriteEstimate(ScenarioEstimate estimate, TextWriter output)
    {
        if (estimate.Variants.Count == 0)
        {
            return;
        }

        var e = estimate.Largest;
        string rules = e.RulesName;
        string which = estimate.Variants.Count > 1 ? $" (the largest variant, {e.Variant})" : "";
        output.WriteLine($"  estimate{which}: {e.Nodes:N0} nodes, {e.Pods:N0} pods, {e.Services:N0} Services, {e.Endpoints:N0} endpoints; per node {ScaleEstimate.Count(e.RulesPerNode)} {rules}, {e.RoutesPerNode:N0} routes to other nodes' pods");
        if (estimate.Variants.Where(v => v.BgpSessions > 0).MaxBy(v => v.BgpSessions) is { } bgp)
        {
            long peers = bgp.BgpPeering.PeersPerNode(bgp.Nodes);
            string peering = bgp.BgpPeering.Reflectors > 0 ? $"through {bgp.BgpPeering}, {peers:N0} peers per client and {bgp.Nodes - 1:N0} per reflector" : $"in {bgp.BgpPeering}, {peers:N0} peers per node";
            output.WriteLine($"  BGP ({bgp.Variant}): {ScaleEstimate.Count(bgp.BgpSessions)} session{(bgp.BgpSessions == 1 ? "" : "s")} {peering}");
        }

        output.WriteLine($"  per simulation: about {ScaleEstimate.Size(e.Bytes)} (most for {e.Driver.What}), {e.BuildSeconds:0.0} s to build, {e.EventsPerSimulatedSecond:N0} events per simulated second ({e.SimulateSeconds:0.0} s to simulate); all {estimate.Simulations:N0} on one thread: about {estimate.SerialSeconds:0} s");
    }
}

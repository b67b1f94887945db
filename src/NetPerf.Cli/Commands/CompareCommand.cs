using System.CommandLine;
using NetPerf.Scenarios.Loading;
using NetPerf.Scenarios.Model;

namespace NetPerf.Cli.Commands;

/// <summary>
/// <c>netperf compare</c>: the scenario's workloads over several CNI plugins (and kube-proxy modes), side by side
/// per path, each as a ratio to a baseline.
/// </summary>
public static class CompareCommand
{
    public static Command Build(TextWriter output, TextWriter error)
    {
        var file = ScenarioFile.Argument();
        var allowOutside = ScenarioFile.AllowOutside();
        var manifests = ScenarioFile.Manifests();
        var cni = new Option<string[]>("--cni")
        {
            Description = $"CNI plugins to compare (default: the scenario's compare block, or {string.Join(", ", Choices.MainCni)}; also {string.Join(", ", Choices.Cni.Except(Choices.MainCni))}).",
            AllowMultipleArgumentsPerToken = true,
        };
        cni.Validators.Add(OptionParsers.OnlyAmong("--cni", Choices.Cni));
        var proxy = new Option<string[]>("--kube-proxy")
        {
            Description = $"kube-proxy modes to compare ({string.Join(", ", Choices.KubeProxy)}; default: the scenario's).",
            AllowMultipleArgumentsPerToken = true,
        };
        proxy.Validators.Add(OptionParsers.OnlyAmong("--kube-proxy", Choices.KubeProxy));
        var baseline = new Option<string?>("--baseline", "-b") { Description = "The variant ratios are taken against (default: the scenario's baseline, or the first)." };
        var options = new RunOptionsBinding();
        var command = new Command("compare", "Run the scenario's workloads over several CNI plugins (or kube-proxy modes) and print them side by side per path, with ratios to a baseline.")
        {
            file, cni, proxy, baseline, allowOutside, manifests,
        };
        options.AddTo(command);
        command.SetAction(parse =>
        {
            var scenario = ScenarioFile.Load(parse.GetValue(file)!, error, parse.GetValue(allowOutside), parse.GetValue(manifests), parse.GetValue(options.MaxMemory));
            if (scenario is null)
            {
                return ExitCodes.InvalidScenario;
            }

            var cnis = parse.GetValue(cni) is { Length: > 0 } c ? [.. c.Select(Kubernetes.Cni.CniPlugins.Get)]
                : scenario.Compare.Cni.Count > 0 ? scenario.Compare.Cni : [.. Choices.MainCni.Select(Kubernetes.Cni.CniPlugins.Get)];
            var proxies = parse.GetValue(proxy) is { Length: > 0 } p ? [.. p.Select(Kubernetes.Services.KubeProxyMode.Get)] : scenario.Compare.KubeProxy;
            scenario = scenario with { Compare = scenario.Compare with { Cni = cnis.Distinct().ToList(), KubeProxy = proxies.Distinct().ToList() } };

            // The command line's --baseline wins; the file's baseline holds only while it is still among the
            // variants the command line made (--kube-proxy renames them all), else the first, said on stderr.
            var names = scenario.Variants().Select(v => v.Name).ToList();
            string? given = parse.GetValue(baseline);
            if (given is not null && !names.Contains(given))
            {
                error.WriteLine($"netperf: --baseline '{given}' is not among the compared variants: {string.Join(", ", names)}.");
                return ExitCodes.UsageError;
            }

            string chosen = given ?? (scenario.Baseline is { } b && names.Contains(b) ? b : names[0]);
            if (given is null && scenario.Baseline is { } dropped && dropped != chosen)
            {
                error.WriteLine($"netperf: note: the file's baseline '{dropped}' is not among the compared variants; ratios are to '{chosen}' (--baseline picks another).");
            }

            scenario = scenario with { Baseline = chosen };
            try
            {
                ScenarioReader.Recheck(scenario, parse.GetValue(allowOutside), parse.GetValue(options.MaxMemory)); // the command line's variants must suit the file too (host-gw across racks, pods per node ...)
            }
            catch (ScenarioException e)
            {
                ScenarioFile.Print(e, parse.GetValue(file)!, error);
                return ExitCodes.InvalidScenario;
            }

            var settings = options.Read(parse, "netperf " + string.Join(' ', parse.Tokens.Select(t => t.Value)), chosen);
            return ScenarioExecution.Run(scenario, settings, output, error).Code;
        });
        return command;
    }
}

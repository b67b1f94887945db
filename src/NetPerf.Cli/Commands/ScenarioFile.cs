using System.CommandLine;
using NetPerf.Scenarios.Loading;
using NetPerf.Scenarios.Model;

namespace NetPerf.Cli.Commands;

/// <summary>The scenario argument every scenario command takes, and loading it with every error printed.</summary>
internal static class ScenarioFile
{
    public static Argument<string> Argument() => new("scenario")
    {
        Description = "A scenario file (YAML; scenarios/scenario.schema.json describes the format).",
    };

    /// <summary>A scenario reads only files in its own folder (its costFile) unless this is given.</summary>
    public static Option<bool> AllowOutside() => new("--allow-outside")
    {
        Description = "Let the scenario name files outside its folder (costFile); without it a scenario from elsewhere reads only its own files.",
    };

    /// <summary>Kubernetes manifests to add to the scenario's own (its manifests key): files, directories or globs.</summary>
    public static Option<string[]> Manifests() => new("--manifests")
    {
        Description = "Kubernetes manifests (a directory, files or globs, as kubectl apply -f takes them) whose objects the cluster is built with, beside the scenario's own manifests.",
        AllowMultipleArgumentsPerToken = true,
    };

    /// <summary>The limit on one simulation's memory that validation checks the scenario's estimate against.</summary>
    public static Option<long?> MaxMemory() => new("--max-memory")
    {
        Description = "Refuse a scenario one of whose simulations would need more memory than this, by its estimate (e.g. 8GiB, 50%; default 80% of this machine's memory); run and compare also run fewer simulations at once so that they fit.",
        CustomParser = OptionParsers.MemorySize("--max-memory"),
    };

    /// <summary>The scenario, or null after printing every problem (file:line:column: what is wrong; what is allowed).</summary>
    public static Scenario? Load(string path, TextWriter error, bool allowOutside = false, IReadOnlyList<string>? manifests = null, long? maxMemory = null)
    {
        var warnings = new List<string>();
        try
        {
            var scenario = ScenarioReader.Load(path, warnings, allowOutside, manifests, maxMemory);
            foreach (var w in warnings)
            {
                error.WriteLine(w);
            }

            return scenario;
        }
        catch (ScenarioException e)
        {
            Print(e, path, error);
            return null;
        }
    }

    public static void Print(ScenarioException e, string path, TextWriter error)
    {
        foreach (var problem in e.Errors)
        {
            error.WriteLine($"{problem.File}:{problem.Line}:{problem.Column}: error: {problem.Message}");
        }

        error.WriteLine($"{Printable.Escape(path)}: {e.Errors.Count} error(s); nothing was run.");
    }

    /// <summary>A scenario with workloads, for the commands that run one (trace, describe); null after saying why not.</summary>
    public static bool HasWorkloads(Scenario scenario, string command, TextWriter error)
    {
        if (scenario.Workloads.Count > 0)
        {
            return true;
        }

        error.WriteLine($"netperf: {command} needs a scenario with workloads; {scenario.Name} has only a bgp block (run it with 'netperf run').");
        return false;
    }

    /// <summary>The variant a single-variant command (describe, trace) works on: the named one, or the first.</summary>
    public static Variant? PickVariant(Scenario scenario, string? name, TextWriter error)
    {
        var variants = scenario.Variants();
        if (name is null)
        {
            return variants[0];
        }

        var v = variants.FirstOrDefault(x => x.Name == name);
        if (v is null)
        {
            error.WriteLine($"netperf: --variant '{Scenarios.Loading.Printable.Escape(name)}' is not a variant of {scenario.Name}{Scenarios.Loading.DidYouMean.Suggest(name, variants.Select(x => x.Name))}; its variants are: {string.Join(", ", variants.Select(x => x.Name))}.");
        }

        return v;
    }
}

using NetPerf.Scenarios.Manifests;

namespace NetPerf.Scenarios.Model;

/// <summary>
/// The Service a setExternalTrafficPolicy entry names, as kubectl patch service would find it: one of the
/// scenario's services by its built name (name-N with count), else a manifest's Service as namespace/name, or by
/// its name alone when only one namespace has a Service of that name.
/// </summary>
internal static class ExternalPolicyTarget
{
    /// <summary>The scenario's own Services by built name, each with its spec.</summary>
    public static IEnumerable<(string Name, ServiceSpec Spec)> ScenarioServices(Scenario s) =>
        s.Services.SelectMany(x => (x.Count > 1 ? Enumerable.Range(0, x.Count).Select(c => $"{x.Name}-{c}") : [x.Name]).Select(n => (n, x)));

    /// <summary>
    /// The manifest Service <paramref name="target"/> names, or null; a bare name that several namespaces hold
    /// names none, and <paramref name="several"/> lists them as namespace/name.
    /// </summary>
    public static ManifestService? Manifest(Scenario s, string target, out IReadOnlyList<string> several)
    {
        several = [];
        if (target.Split('/') is [var ns, var name])
        {
            return s.Objects.Services.FirstOrDefault(x => x.Namespace == ns && x.Name == name);
        }

        var named = s.Objects.Services.Where(x => x.Name == target).ToList();
        if (named.Count > 1)
        {
            several = [.. named.Select(Key)];
            return null;
        }

        return named.FirstOrDefault();
    }

    /// <summary>A manifest Service's namespace/name.</summary>
    public static string Key(ManifestService service) => $"{service.Namespace}/{service.Name}";
}

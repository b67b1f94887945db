using NetPerf.Kubernetes.Dns;
using NetPerf.Scenarios.Manifests;
using NetPerf.Scenarios.Model;
using NetPerf.Scenarios.Running;

namespace NetPerf.Scenarios.Loading;

/// <summary>
/// The names the cluster's CoreDNS answers, as <see cref="ClusterBuild"/> fills its zone: each manifest Service's
/// NAME.NAMESPACE.svc.cluster.local (a ClusterIP; a headless Service its endpoints' addresses, none when it has no
/// endpoint), each endpoint of a headless Service that names it as subdomain by its own name (a StatefulSet's
/// db-0.db.shop.svc.cluster.local), and NetPerf's own Services (kube-dns in kube-system; web, web-headless and the
/// scenario's Services in default). A workload's <c>to:</c> given as a DNS name is looked up here as the client's
/// resolver looks it up at run time (<see cref="StubResolver"/>): the candidates of its namespace's resolv.conf in
/// order (<see cref="ResolvConf.Candidates"/>: with ndots:5 a name of fewer than five dots goes through the search
/// list first), and the first answered with a record is the one dialled; an NXDOMAIN, or a NOERROR without records,
/// sends the resolver on to the next.
/// </summary>
internal sealed class ClusterDnsNames
{
    /// <summary>What a name stands for: a manifest Service, a manifest pod by its own name, or one of NetPerf's own Services (<see cref="Own"/> says which).</summary>
    public sealed record Entry(ManifestService? Service, ManifestPod? Pod, string? Own, bool HasRecords);

    /// <summary>The outcome of a lookup: the entry answered (null: none), the name that answered, and every name tried up to it.</summary>
    public sealed record Lookup(Entry? Answer, string? Answered, IReadOnlyList<string> Tried, IReadOnlyList<string> Empty);

    private readonly Dictionary<string, Entry> _names = new(StringComparer.OrdinalIgnoreCase);

    public ClusterDnsNames(Scenario s)
    {
        var objects = s.Objects;
        foreach (var svc in objects.Services)
        {
            if (svc.Type != ManifestServiceType.Headless)
            {
                _names[svc.Fqdn] = new Entry(svc, null, null, HasRecords: true);
                continue;
            }

            var endpoints = svc.Selector.Count > 0 ? objects.Selected(svc.Selector) : [.. objects.Pods.Where(p => svc.ManualEndpoints.Contains(p.ClusterName))];
            _names[svc.Fqdn] = new Entry(svc, null, null, HasRecords: endpoints.Count > 0);
            foreach (var pod in endpoints.Where(p => p.Subdomain == svc.Name))
            {
                _names[$"{pod.Name}.{svc.Fqdn}"] = new Entry(svc, pod, null, HasRecords: true);
            }
        }

        Own(ClusterLayout.KubeDns, "kube-system", "the cluster DNS Service (CoreDNS)");
        Own(ClusterLayout.Service, "default", "measured Service (paths: [cluster-ip])");
        Own(ClusterLayout.HeadlessService, "default", "measured headless Service (paths: [headless])");
        foreach (var spec in s.Services)
        {
            for (int i = 0; i < spec.Count; i++)
            {
                Own(spec.Count > 1 ? $"{spec.Name}-{i}" : spec.Name, "default", "scenario Service (services:)");
            }
        }
    }

    /// <summary>The manifests' Services by their full names, for a refusal to list.</summary>
    public static IReadOnlyList<string> ServiceNames(Scenario s) => [.. s.Objects.Services.Select(x => x.Fqdn)];

    /// <summary>Looks <paramref name="name"/> up through <paramref name="conf"/>'s candidates; null <paramref name="conf"/>: as written only (a host outside the cluster, with no pod's search list).</summary>
    public Lookup Resolve(string name, ResolvConf? conf)
    {
        var candidates = conf?.Candidates(name) ?? [name.TrimEnd('.')];
        List<string> tried = [], empty = [];
        foreach (var candidate in candidates)
        {
            tried.Add(candidate);
            if (_names.TryGetValue(candidate, out var entry))
            {
                if (entry.HasRecords)
                {
                    return new Lookup(entry, candidate, tried, empty);
                }

                empty.Add(candidate);
            }
        }

        return new Lookup(null, null, tried, empty);
    }

    private void Own(string name, string ns, string what) => _names.TryAdd($"{name}.{ns}.svc.cluster.local", new Entry(null, null, $"NetPerf's {what} {name}", HasRecords: true));

    /// <summary>Whether <paramref name="text"/> reads as a host name (RFC 1123 labels of letters, digits and hyphens, dots between, a final dot allowed), not an object reference.</summary>
    public static bool IsName(string text)
    {
        string name = text.EndsWith('.') ? text[..^1] : text;
        return name.Length is > 0 and <= 253 && name.Split('.').All(label => label.Length is > 0 and <= 63
            && label.All(c => char.IsAsciiLetterOrDigit(c) || c == '-') && label[0] != '-' && label[^1] != '-');
    }
}

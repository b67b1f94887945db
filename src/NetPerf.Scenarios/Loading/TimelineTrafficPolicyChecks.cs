using NetPerf.Kubernetes.Services;
using NetPerf.Scenarios.Manifests;
using NetPerf.Scenarios.Model;
using YamlDotNet.RepresentationModel;

namespace NetPerf.Scenarios.Loading;

/// <summary>
/// setExternalTrafficPolicy: a NodePort or LoadBalancer Service (the API server refuses the field on others:
/// "may only be set for externally-accessible services"), one of the scenario's services or a manifest's, whose
/// cluster traffic is not routed per node (internalTrafficPolicy Local and a trafficDistribution have per-node
/// chains the sync does not rebuild here), in a scenario whose every variant runs kube-proxy in a mode whose
/// rewrite of the Service is modelled (every mode: iptables' and nftables' external chains, IPVS's NodePort real
/// servers and KUBE-NODE-PORT-LOCAL ipsets), with a plugin that leaves Services to it (Cilium's own load balancer
/// is not told). A patch to the policy the
/// Service has by then changes nothing: said as a warning.
/// </summary>
internal static class TimelineTrafficPolicyChecks
{
    /// <summary>The kube-proxy modes whose sync rewrites a Service's external chains for a new policy.</summary>
    public static readonly IReadOnlyList<KubeProxyMode> Modes = [KubeProxyMode.Iptables, KubeProxyMode.Ipvs, KubeProxyMode.Nftables];

    public static void Check(Scenario s, YamlNode root, Diagnostics d)
    {
        var entries = s.Timeline.Where(e => e.Action == TimelineAction.SetExternalTrafficPolicy && e.Target.Length > 0).ToList();
        if (entries.Count == 0)
        {
            return;
        }

        var scenario = ExternalPolicyTarget.ScenarioServices(s).ToList();
        var external = scenario.Where(x => x.Spec.Type == Model.ServiceType.NodePort).Select(x => x.Name)
            .Concat(s.Objects.Services.Where(x => x.Type is ManifestServiceType.NodePort or ManifestServiceType.LoadBalancer
                && x.InternalTrafficPolicy != InternalTrafficPolicy.Local && x.TrafficDistribution == TrafficDistribution.Default) // the ones a patch is modelled for
                .Select(ExternalPolicyTarget.Key)).ToList();
        string allowed = external.Count > 0 ? string.Join(", ", external.Take(20)) + (external.Count > 20 ? ", ..." : "") : "none: add a NodePort Service under services or in a manifest";
        var policies = new Dictionary<string, ExternalTrafficPolicy>(StringComparer.Ordinal); // each Service's policy by then
        foreach (var e in entries)
        {
            string where = $"timeline[{e.Entry}].service";
            var at = ScenarioChecks.At(root, "timeline", e.Entry, "service");
            string name = Printable.Quote(e.Target);
            string key;
            ExternalTrafficPolicy current;
            if (scenario.FirstOrDefault(x => x.Name == e.Target) is { Spec: { } spec })
            {
                if (spec.Type != Model.ServiceType.NodePort)
                {
                    d.Error(at, $"{where}: {name} is a {(spec.Type == Model.ServiceType.Headless ? "headless" : spec.Type.ToString())} Service: externalTrafficPolicy applies to NodePort and LoadBalancer Services only (the API server refuses it on others); allowed: {allowed}");
                    continue;
                }

                (key, current) = (e.Target, spec.ExternalTrafficPolicy);
            }
            else if (ExternalPolicyTarget.Manifest(s, e.Target, out var several) is { } m)
            {
                if (m.Type is not (ManifestServiceType.NodePort or ManifestServiceType.LoadBalancer))
                {
                    d.Error(at, $"{where}: {name} is a {(m.Type == ManifestServiceType.Headless ? "headless" : m.Type.ToString())} Service: externalTrafficPolicy applies to NodePort and LoadBalancer Services only (the API server refuses it on others); allowed: {allowed}");
                    continue;
                }

                if (m.InternalTrafficPolicy == InternalTrafficPolicy.Local || m.TrafficDistribution != TrafficDistribution.Default)
                {
                    d.Error(at, $"{where}: {name} has {(m.InternalTrafficPolicy == InternalTrafficPolicy.Local ? "internalTrafficPolicy Local" : $"trafficDistribution {m.TrafficDistribution}")}, whose per-node chains kube-proxy's sync is not modelled to rebuild; allowed: a Service without it: {allowed}");
                    continue;
                }

                (key, current) = (ExternalPolicyTarget.Key(m), m.ExternalTrafficPolicy);
            }
            else
            {
                d.Error(at, several.Count > 0
                    ? $"{where}: {name} names a Service in several namespaces ({string.Join(", ", several)}); allowed: namespace/name"
                    : $"{where}: no NodePort or LoadBalancer Service named {name} under services or in the manifests{Diagnostics.Suggest(e.Target, external)}; allowed: {allowed}");
                continue;
            }

            var was = policies.GetValueOrDefault(key, current);
            if (was == e.ExternalTrafficPolicy)
            {
                d.Warning(ScenarioChecks.At(root, "timeline", e.Entry, "externalTrafficPolicy"),
                    $"timeline[{e.Entry}].externalTrafficPolicy: {Printable.Quote(key)} has externalTrafficPolicy {was} already at {YamlMap.Show(e.At)}: the patch changes nothing, and kube-proxy writes nothing for it");
            }

            policies[key] = e.ExternalTrafficPolicy;
        }

        var first = entries[0];
        foreach (var v in s.Variants())
        {
            if (!Modes.Contains(v.KubeProxy) || v.Cni.Family == "cilium")
            {
                string modes = Modes.Count == 1 ? Modes[0].Name : $"{string.Join(", ", Modes.Take(Modes.Count - 1).Select(x => x.Name))} or {Modes[^1].Name}";
                d.Error(ScenarioChecks.At(root, "timeline", first.Entry, "action"),
                    $"timeline[{first.Entry}].action: setExternalTrafficPolicy is modelled with kube-proxy in {modes} mode and a plugin that leaves Services to it; variant {v.Name} runs {(v.Cni.Family == "cilium" ? "cilium, whose own Service load balancer is not told" : $"kube-proxy {v.KubeProxy.Name}")}; allowed: kubeProxy {modes} with a plugin other than cilium");
                break;
            }
        }
    }
}

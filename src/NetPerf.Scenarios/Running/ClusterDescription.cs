using System.Globalization;
using System.Text;
using NetPerf.Scenarios.Model;

namespace NetPerf.Scenarios.Running;

/// <summary>
/// A built cluster as kubectl would list it (get nodes / pods / svc -o wide), with what kube-proxy and the CNI
/// set up, and the route each node takes to a remote pod (ip route get).
/// </summary>
public static class ClusterDescription
{
    public static string Describe(ClusterBuild b, Variant variant, Scenario scenario)
    {
        var text = new StringBuilder();
        var c = b.Cluster;
        text.AppendLine($"# {scenario.Name}, variant {variant.Name}: CNI {variant.Cni}, kube-proxy {variant.KubeProxy}, {c.Nodes.Count} nodes x {c.Options.CoresPerNode} cores, {c.Options.LinkGigabits.ToString(CultureInfo.InvariantCulture)} Gbit/s");
        text.AppendLine();
        text.AppendLine("$ kubectl get nodes -o wide");
        Table(text, ["NAME", "STATUS", "INTERNAL-IP", "POD-CIDR", "PODS"],
            c.Nodes.Select(n => new[] { n.Name, "Ready", n.Ip.ToString(), n.PodCidr.ToString(), n.Pods.Count.ToString(CultureInfo.InvariantCulture) }));
        text.AppendLine();
        text.AppendLine("$ kubectl get pods -o wide");
        Table(text, ["NAME", "READY", "STATUS", "IP", "NODE", "LABELS"],
            c.Pods.OrderBy(p => p.Node.Index).ThenBy(p => p.Name, StringComparer.Ordinal).Select(p => new[]
            {
                p.Name, "1/1", "Running", p.Ip.ToString(), p.Node.Name,
                p.Labels.Count == 0 ? "<none>" : string.Join(",", p.Labels.Select(kv => $"{kv.Key}={kv.Value}")),
            }));
        text.AppendLine();
        text.AppendLine("$ kubectl get svc -o wide");
        var services = new List<string[]>
        {
            new[] { ClusterLayout.KubeDns, "ClusterIP", b.KubeDnsIp.ToString(), "53/UDP", "k8s-app=kube-dns" },
            new[] { ClusterLayout.Service, "NodePort", b.ServiceIp.ToString(),
                $"{ClusterLayout.ServicePort}:{ClusterLayout.NodePort}/TCP", "app=netperf-server,netperf/role=remote" },
            new[] { ClusterLayout.HeadlessService, "ClusterIP", "None", $"{ClusterLayout.ServerPort}/TCP", "app=netperf-server,netperf/role=remote" },
        };
        foreach (var s in scenario.Services)
        {
            services.Add([s.Count > 1 ? $"{s.Name}-0..{s.Count - 1}" : s.Name, s.Type == ServiceType.Headless ? "ClusterIP" : s.Type.ToString(),
                s.Type == ServiceType.Headless ? "None" : "(from " + scenario.Cluster.ServiceCidr + ")", $"{s.Port}/TCP", string.Join(",", s.Selector.Select(kv => $"{kv.Key}={kv.Value}"))]);
        }

        if (variant.ExtraServices > 0)
        {
            services.Add([$"extra-0..{variant.ExtraServices - 1}", "ClusterIP", "(from " + scenario.Cluster.ServiceCidr + ")", $"{ClusterLayout.ServicePort}/TCP", "app=netperf-server,netperf/role=remote"]);
        }

        Table(text, ["NAME", "TYPE", "CLUSTER-IP", "PORT(S)", "SELECTOR"], services);
        text.AppendLine();
        text.AppendLine($"$ ip route get {b.RemoteServer.Ip}   # on each node, towards the remote server pod");
        foreach (var n in c.Nodes)
        {
            text.AppendLine($"{n.Name}: {n.Root.Fib.Lookup(b.RemoteServer.Ip)?.ToString(i => n.Root.Device(i).Name) ?? "unreachable"}");
        }

        text.AppendLine();
        text.AppendLine($"$ ip link   # devices in {c.Node(1).Name}'s root namespace");
        foreach (var d in c.Node(1).Root.Devices)
        {
            text.AppendLine($"{d.Name}: mtu {d.Mtu}");
        }

        return text.ToString();
    }

    private static void Table(StringBuilder text, string[] header, IEnumerable<string[]> rows)
    {
        var all = rows.Prepend(header).ToList();
        var widths = Enumerable.Range(0, header.Length).Select(i => all.Max(r => r[i].Length)).ToArray();
        foreach (var row in all)
        {
            text.AppendLine(string.Join("   ", row.Select((cell, i) => i == row.Length - 1 ? cell : cell.PadRight(widths[i]))).TrimEnd());
        }
    }
}

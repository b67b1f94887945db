using NetPerf.Scenarios.Model;
using NetPerf.Scenarios.Running;
using YamlDotNet.RepresentationModel;

namespace NetPerf.Scenarios.Loading;

/// <summary>
/// What <c>together: true</c> needs of the workloads, since they share one cluster: one path each, no
/// load-balancer path (its director holds the gateway the edge's remote host needs), one protocol for NetPerf's
/// measured Services, and no two workloads serving on one server's port unless both are TCP request/response
/// (TCP_RR, TCP_CRR): those share the one server process there, as every pod calling one external API does;
/// a stream's sink or a UDP responder is a server of its own kind.
/// </summary>
internal static class TogetherChecks
{
    public static void Check(Scenario s, YamlNode root, Diagnostics d)
    {
        if (!s.Together)
        {
            return;
        }

        YamlNode? At(int i, string key) => ScenarioChecks.At(root, "workloads", i, key) ?? ScenarioChecks.At(root, "workloads", i) ?? ScenarioChecks.At(root, "together");
        var servers = new Dictionary<(string Server, ushort Port, Network.Packets.IpProtocol Protocol), int>();
        Network.Packets.IpProtocol? measured = null;
        for (int i = 0; i < s.Workloads.Count; i++)
        {
            var w = s.Workloads[i];
            if (w.Paths.Count != 1)
            {
                d.Error(At(i, "paths"), $"workloads[{i}].paths: with together every workload runs once, on one path; {w.Paths.Count} given (list it as a workload per path, or give from/to)");
                continue;
            }

            var path = w.Paths[0];
            if (path == CommunicationPath.LoadBalancer)
            {
                d.Error(At(i, "paths"), $"workloads[{i}].paths: load-balancer is not run with together (its director holds the nodes' gateway, which the edge's remote host needs); run it apart");
                continue;
            }

            if (w.Route is null && w.Test != NetperfTestKind.DnsLookup && path is CommunicationPath.ClusterIp or CommunicationPath.NodePort or CommunicationPath.Headless)
            {
                if (measured is { } p && p != w.Protocol)
                {
                    d.Error(At(i, "test"), $"workloads[{i}].test: with together NetPerf's measured Service has one port, {p.ToString().ToUpperInvariant()} for the workloads before; {w.Test} needs {w.Protocol.ToString().ToUpperInvariant()} (give it from/to a Service of your own)");
                }

                measured ??= w.Protocol;
            }

            foreach (var server in Servers(w, path))
            {
                var key = (server, w.Route?.ListenPort ?? ClusterLayout.ServerPort, w.Protocol);
                if (servers.TryGetValue(key, out int other) && !(TcpRequestResponse(w) && TcpRequestResponse(s.Workloads[other])))
                {
                    d.Error(At(i, w.Route is null ? "paths" : "to"), $"workloads[{i}] ({w.Name}, {w.Test}) serves on {server}'s {key.Item3.ToString().ToUpperInvariant()} port {key.Item2} as workloads[{other}] ({s.Workloads[other].Name}, {s.Workloads[other].Test}) does; with together they would share one listener, which only TCP_RR and TCP_CRR servers can (one request/response process): give one of them another server or port, or run them apart");
                    break;
                }

                servers.TryAdd(key, i);
            }
        }
    }

    /// <summary>A workload whose server is netserver's request/response process (TCP_RR, TCP_CRR, open loop), which can serve several workloads' clients.</summary>
    private static bool TcpRequestResponse(WorkloadSpec w) => w.Test == NetperfTestKind.TcpRr || w.Test == NetperfTestKind.TcpCrr;

    /// <summary>Who runs a workload's server: pods by name, node/N, the remote host, or NetPerf's own pods by path.</summary>
    private static IEnumerable<string> Servers(WorkloadSpec w, CommunicationPath path)
    {
        if (w.Route is { } r)
        {
            return r.ServerOutside ? [ClusterLayout.Remote] : r.ServerNode is { } n ? [$"node/{n}"] : r.ServerPods;
        }

        return path switch
        {
            _ when w.Test == NetperfTestKind.DnsLookup || w.Service is not null => [],
            CommunicationPath.Localhost or CommunicationPath.PodSameNode => [ClusterLayout.LocalServer],
            CommunicationPath.NodeToNode or CommunicationPath.NodeLocal => [ClusterLayout.HostServer], // one hostNetwork server, on node 2 or node 1
            CommunicationPath.Egress => [ClusterLayout.Remote],
            _ => [ClusterLayout.RemoteServer],
        };
    }
}

using NetPerf.Kubernetes.Cluster;

namespace NetPerf.Kubernetes.Services;

/// <summary>
/// Which of a Service's usable endpoints kube-proxy on one node sends traffic from inside the cluster to, as
/// pkg/proxy/topology.go (v1.34) decides: with internalTrafficPolicy Local only the node's own endpoints (none:
/// the traffic is dropped); otherwise, when the Service's trafficDistribution made the EndpointSlice controller
/// hint every endpoint (trafficdist.go: a zone hint where the endpoint's node has a zone, a node hint with
/// PreferSameNode), the endpoints hinted for this node, else for its zone, and when no endpoint is hinted for
/// either (or one lacks its hint) every endpoint: the fallback happens when choosing the mode, not per endpoint.
/// </summary>
public static class ServiceTopology
{
    /// <summary>Whether kube-proxy programs the Service's cluster traffic differently on different nodes.</summary>
    public static bool IsPerNode(Service service) =>
        service.InternalTrafficPolicy == InternalTrafficPolicy.Local || service.TrafficDistribution != TrafficDistribution.Default;

    /// <summary>The endpoints (from <paramref name="usable"/>, in its order) that cluster traffic from <paramref name="node"/> may reach.</summary>
    public static IReadOnlyList<Pod> InternalEndpoints(Service service, IReadOnlyList<Pod> usable, Node node)
    {
        if (service.InternalTrafficPolicy == InternalTrafficPolicy.Local)
        {
            return [.. usable.Where(p => p.Node == node)];
        }

        return Mode(service, usable, node) switch
        {
            TopologyMode.SameNode => [.. usable.Where(p => p.Node == node)],
            TopologyMode.SameZone => [.. usable.Where(p => p.Node.Zone == node.Zone)],
            _ => usable,
        };
    }

    /// <summary>What kube-proxy on <paramref name="node"/> would log about the Service's topology: the mode it chose and why.</summary>
    public static string Describe(Service service, IReadOnlyList<Pod> usable, Node node)
    {
        if (service.InternalTrafficPolicy == InternalTrafficPolicy.Local)
        {
            return usable.Any(p => p.Node == node) ? "internalTrafficPolicy Local: this node's endpoints" : "internalTrafficPolicy Local: no local endpoint, dropped";
        }

        return Mode(service, usable, node) switch
        {
            TopologyMode.SameNode => $"{service.TrafficDistribution}: this node's endpoints",
            TopologyMode.SameZone => $"{service.TrafficDistribution}: zone {node.Zone}'s endpoints",
            _ when service.TrafficDistribution == TrafficDistribution.Default => "every endpoint",
            _ when node.Zone is null => $"{service.TrafficDistribution} ignored: the node has no topology.kubernetes.io/zone label; every endpoint",
            _ when usable.Any(p => p.Node.Zone is null) => $"{service.TrafficDistribution} ignored: an endpoint's node has no zone, so it has no hint; every endpoint",
            _ => $"{service.TrafficDistribution} ignored: no endpoint in zone {node.Zone}; every endpoint",
        };
    }

    private enum TopologyMode
    {
        All,
        SameZone,
        SameNode,
    }

    /// <summary>topologyModeFromHints: the hints are the controller's (every endpoint hinted once trafficDistribution is set).</summary>
    private static TopologyMode Mode(Service service, IReadOnlyList<Pod> usable, Node node)
    {
        if (service.TrafficDistribution == TrafficDistribution.Default || usable.Count == 0)
        {
            return TopologyMode.All;
        }

        // PreferSameTrafficDistribution is beta and on in 1.34: every endpoint has a node hint with PreferSameNode.
        if (service.TrafficDistribution == TrafficDistribution.PreferSameNode && usable.Any(p => p.Node == node))
        {
            return TopologyMode.SameNode;
        }

        bool allHaveZoneHints = usable.All(p => p.Node.Zone is not null);
        return allHaveZoneHints && node.Zone is not null && usable.Any(p => p.Node.Zone == node.Zone) ? TopologyMode.SameZone : TopologyMode.All;
    }
}

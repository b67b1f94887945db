namespace NetPerf.Scenarios.Model;

/// <summary>Where a workload's client sits relative to its server (k8s-netperf's --local and its default, and the zones of topology.kubernetes.io/zone).</summary>
public enum RoutePlacement
{
    /// <summary>On the server's node.</summary>
    Local,

    /// <summary>On another node.</summary>
    Across,

    /// <summary>On another node of the server's zone (placement: same-zone).</summary>
    SameZone,

    /// <summary>On a node of another zone than the server's (placement: other-zone).</summary>
    OtherZone,
}

/// <summary>
/// A workload between objects (<c>from: deployment/frontend</c>, <c>to: service/cart:8080</c>), resolved when the
/// scenario is read against the manifests' mapped objects: which pod (or node, or the outside host) is the client,
/// which pods serve, and what the client dials. The fixed paths remain the shorthands for NetPerf's own pods.
/// </summary>
public sealed record WorkloadRoute(string From, string To, RoutePlacement? Placement)
{
    /// <summary>The client: a pod by its cluster name; null with <see cref="ClientNode"/> or <see cref="ClientOutside"/> set.</summary>
    public string? ClientPod { get; init; }

    /// <summary>The client's namespace (its resolv.conf's search list).</summary>
    public string ClientNamespace { get; init; } = "default";

    /// <summary>A hostNetwork client on this node (node/N), 1-based.</summary>
    public int? ClientNode { get; init; }

    /// <summary>The remote host beyond the cluster's edge is the client (from: external): it dials <see cref="DialNode"/>'s NodePort.</summary>
    public bool ClientOutside { get; init; }

    /// <summary>The remote host beyond the cluster's edge is the server (to: external[:PORT]), reached through the client's node's masquerade.</summary>
    public bool ServerOutside { get; init; }

    /// <summary>The node whose address an outside client dials (from: external): the placement's choice, 1-based.</summary>
    public int DialNode { get; init; } = 1;

    /// <summary>The pods that serve, by cluster name: the first is the one <see cref="Placement"/> relates the client to; the rest are a Service's other endpoints.</summary>
    public IReadOnlyList<string> ServerPods { get; init; } = [];

    /// <summary>A hostNetwork server on this node (to: node/N), 1-based.</summary>
    public int? ServerNode { get; init; }

    /// <summary>A name the client resolves through CoreDNS first (a Service's, a StatefulSet pod's); null: it dials <see cref="DialAddress"/>'s pod or node directly.</summary>
    public string? DialName { get; init; }

    /// <summary>The port the client dials (a Service's port, a NodePort, or the server's own).</summary>
    public ushort DialPort { get; init; }

    /// <summary>The port the servers listen on.</summary>
    public ushort ListenPort { get; init; }

    /// <summary>from: external to a Service: dial <see cref="DialNode"/>'s address at this NodePort.</summary>
    public bool ViaNodePort { get; init; }

    /// <summary>The manifest Service the client goes through (namespace/name), or null.</summary>
    public string? Service { get; init; }

    /// <summary>Whether an end is beyond the cluster's edge (the cluster is built with its remote host and the plugin's masquerade).</summary>
    public bool ReachesOutside => ClientOutside || ServerOutside;

    public override string ToString() => $"{From} -> {To}{(Placement is { } p ? $" ({Choices.PlacementName(p)})" : "")}";
}

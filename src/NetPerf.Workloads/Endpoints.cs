using NetPerf.Engine.Time;
using NetPerf.Network.Addressing;
using NetPerf.Network.Topology;

namespace NetPerf.Workloads;

/// <summary>
/// Where a workload runs: the client's and the server's namespaces (a pod's, or a host's), the address and port
/// the client connects to (a pod IP, a Service IP, a node port), the cores the two processes run on, and the
/// scheduler's wake-up latency of each process.
/// </summary>
public sealed record Endpoints(
    NetworkNamespace Client,
    NetworkNamespace Server,
    Ipv4Address ServerAddress,
    ushort ServerPort,
    int ClientCore = 0,
    int ServerCore = 0)
{
    public SimTime WakeUpLatency { get; init; }

    /// <summary>The address the server binds (its own, when the client connects to a virtual IP that is DNATed to it).</summary>
    public Ipv4Address? ServerBindAddress { get; init; }

    /// <summary>The port the server listens on, when the client's port is a Service's or a node port DNATed to another.</summary>
    public ushort? ServerListenPort { get; init; }

    /// <summary>
    /// Further servers behind the address the client dials (a Service's other endpoints): each runs the same
    /// server on <see cref="ListenPort"/>, as every replica of a Deployment does, so whichever endpoint kube-proxy
    /// picks for a connection answers it, and the work is measured as one workload's.
    /// </summary>
    public IReadOnlyList<ServerReplica> Replicas { get; init; } = [];

    /// <summary>The port the server listens on: <see cref="ServerListenPort"/>, or the one the client connects to.</summary>
    public ushort ListenPort => ServerListenPort ?? ServerPort;
}

/// <summary>One more server of a workload: its namespace (a pod's) and the address it binds.</summary>
public readonly record struct ServerReplica(NetworkNamespace Namespace, Ipv4Address Address);

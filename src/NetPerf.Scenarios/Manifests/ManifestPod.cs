using k8s.Models;
using NetPerf.Network.Packets;

namespace NetPerf.Scenarios.Manifests;

/// <summary>A container's port (containers[].ports[]): what a Service's targetPort or a policy's port may name.</summary>
public readonly record struct ContainerPort(string? Name, ushort Port, IpProtocol Protocol);

/// <summary>
/// One pod a manifest asks for: a Pod itself, or one replica of a Deployment, ReplicaSet, StatefulSet or
/// DaemonSet, with the labels and container ports of its template. <see cref="ClusterName"/> is the pod's name in
/// the simulated cluster (pod names there are cluster-wide: a pod outside the default namespace is name.namespace).
/// </summary>
public sealed record ManifestPod(string Name, string Namespace, string Owner, int Replica, IReadOnlyDictionary<string, string> Labels,
    IReadOnlyList<ContainerPort> Ports, V1PodSpec Spec, ManifestObject At)
{
    public string ClusterName => Namespace == "default" ? Name : $"{Name}.{Namespace}";

    public bool HostNetwork => Spec.HostNetwork == true;

    /// <summary>A node the pod is bound to before placement (a DaemonSet's pod, a Pod's spec.nodeName), 1-based; null: placement chooses.</summary>
    public int? BoundNode { get; init; }

    /// <summary>The node placement put it on, 1-based.</summary>
    public int Node { get; init; }

    /// <summary>spec.hostname and spec.subdomain (a StatefulSet's pods: their own name, and the governing headless Service).</summary>
    public string? Subdomain { get; init; }

    /// <summary>The port numbers a port name stands for on this pod (a named targetPort or policy port), for a protocol.</summary>
    public ushort? Named(string name, IpProtocol protocol) =>
        Ports.FirstOrDefault(p => p.Name == name && p.Protocol == protocol) is { Name: not null } p ? p.Port : null;
}

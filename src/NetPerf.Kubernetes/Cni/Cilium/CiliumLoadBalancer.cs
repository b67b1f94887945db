using NetPerf.Kubernetes.Cluster;
using NetPerf.Kubernetes.Services;
using NetPerf.Network.Addressing;
using NetPerf.Network.Packets;

namespace NetPerf.Kubernetes.Cni.Cilium;

/// <summary>
/// Cilium's load-balancing maps (cilium_lb4_services_v2, cilium_lb4_backends_v3; bpf/lib/lb.h), the same on every
/// node: each Service's ClusterIP frontend and its backends, as the agent writes them when it sees the Service.
/// A new flow's backend is chosen by its tuple's hash (Cilium's default selection is random; a hash keeps runs
/// reproducible and is as even), and stays the flow's through its conntrack entry.
/// </summary>
internal sealed class CiliumLoadBalancer
{
    private readonly Dictionary<(uint Address, ushort Port, IpProtocol Protocol), Frontend> _frontends = [];

    public int Count => _frontends.Count;

    /// <summary>Writes (or rewrites) the Service's frontend with these backends.</summary>
    public void Add(Service service, IReadOnlyList<Pod> endpoints)
    {
        var backends = endpoints.Select(p => (p.Ip, service.TargetPort)).ToArray();
        _frontends[(service.ClusterIp.Value, service.Port, service.Protocol)] = new Frontend(service.ClusterIp, service.Port, backends);
    }

    /// <summary>The backend a flow to a ClusterIP frontend goes to; false when the destination is no frontend (or one without backends).</summary>
    public bool TrySelect(in FiveTuple flow, out Ipv4Address backend, out ushort port)
    {
        if (_frontends.TryGetValue((flow.Destination.Value, flow.DestinationPort, flow.Protocol), out var frontend) && frontend.Backends.Length > 0)
        {
            (backend, port) = frontend.Backends[(int)(flow.Hash() % (uint)frontend.Backends.Length)];
            return true;
        }

        backend = default;
        port = 0;
        return false;
    }

    /// <summary>
    /// Socket LB's choice at connect() (bpf_sock.c __sock4_xlate_fwd): a random backend slot
    /// (bpf_get_prandom_u32, Cilium's default selection), from <paramref name="random"/> so a run is reproducible.
    /// </summary>
    public bool TrySelectRandom(Ipv4Address address, ushort port, IpProtocol protocol, Engine.Random.RngStream random, out Ipv4Address backend, out ushort backendPort)
    {
        if (_frontends.TryGetValue((address.Value, port, protocol), out var frontend) && frontend.Backends.Length > 0)
        {
            (backend, backendPort) = frontend.Backends[random.Next(frontend.Backends.Length)];
            return true;
        }

        backend = default;
        backendPort = 0;
        return false;
    }

    private sealed record Frontend(Ipv4Address Address, ushort Port, (Ipv4Address Address, ushort Port)[] Backends);
}

namespace NetPerf.Network.Addressing;

/// <summary>
/// A set of /32 addresses that many namespaces each hold on one device of their own, as every node of a
/// Kubernetes cluster holds every Service IP on its kube-ipvs0 (kube-proxy's ipvs proxier binds the same
/// ClusterIPs, external IPs and LoadBalancer IPs on every node). Held once; each namespace that attaches it
/// (<see cref="Topology.NetworkNamespace.AttachSharedAddresses"/>) owns every address in it on its own device and
/// builds its local route to one the first time it is looked up. Addresses are only added, never removed
/// (nothing in NetPerf deletes a Service's address yet).
/// </summary>
public sealed class SharedAddresses
{
    private readonly HashSet<uint> _addresses = [];

    /// <summary>The addresses held.</summary>
    public int Count => _addresses.Count;

    /// <summary>The first address added: the device's primary address, as the kernel's first <c>ip addr add</c> is.</summary>
    public Ipv4Address? First { get; private set; }

    /// <summary><c>ip addr add ADDRESS/32 dev DEVICE</c> on every namespace holding the set; false if it was already held.</summary>
    public bool Add(Ipv4Address address)
    {
        if (!_addresses.Add(address.Value))
        {
            return false;
        }

        First ??= address;
        return true;
    }

    public bool Contains(Ipv4Address address) => _addresses.Contains(address.Value);

    internal bool Contains(uint address) => _addresses.Contains(address);
}

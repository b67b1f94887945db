namespace NetPerf.Network.Addressing;

/// <summary>
/// A set of /32 addresses that many namespaces each hold on one device of their own, as every node of a
/// Kubernetes cluster holds every Service IP on its kube-ipvs0 (kube-proxy's ipvs proxier binds the same
/// ClusterIPs, external IPs and LoadBalancer IPs on every node). Held once; each namespace that attaches it
/// (<see cref="Topology.NetworkNamespace.AttachSharedAddresses"/>) owns every address in it on its own device and
/// builds its local route to one the first time it is looked up. <see cref="Remove"/> takes an address from every
/// namespace at once (kube-proxy unbinding a deleted Service's address).
/// </summary>
public sealed class SharedAddresses
{
    private readonly HashSet<uint> _addresses = [];
    private readonly List<Routing.Fib> _holders = []; // the tables that share these as local routes, built on first lookup

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

    /// <summary>
    /// <c>ip addr del ADDRESS/32 dev DEVICE</c> on every namespace holding the set: no longer local anywhere, and
    /// each namespace's local route to it, where one was built, goes (the kernel's fib_del_ifaddr). False if it
    /// was not held. The device's primary address, when it was this one, goes too.
    /// </summary>
    public bool Remove(Ipv4Address address)
    {
        if (!_addresses.Remove(address.Value))
        {
            return false;
        }

        if (First == address)
        {
            First = null;
        }

        foreach (var fib in _holders)
        {
            fib.DropSharedLocal(address.Value);
        }

        return true;
    }

    internal void Held(Routing.Fib fib) => _holders.Add(fib);
}

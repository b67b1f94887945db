namespace NetPerf.Network.Netfilter;

/// <summary>
/// An ipset of type bitmap:port (<c>ipset create NAME bitmap:port range 0-65535</c>): a set of ports a rule
/// matches with one bit test (<c>-m set --match-set NAME dst</c> on the destination port), as kube-proxy's IPVS
/// mode keeps its NodePorts (KUBE-NODE-PORT-TCP, pkg/proxy/ipvs/ipset.go).
/// </summary>
public sealed class PortSet(string name)
{
    private readonly HashSet<ushort> _members = [];

    public string Name { get; } = name;
    public int Count => _members.Count;

    /// <summary><c>ipset add NAME PORT</c>.</summary>
    public void Add(ushort port) => _members.Add(port);

    /// <summary><c>ipset del NAME PORT</c>.</summary>
    public void Remove(ushort port) => _members.Remove(port);

    public bool Contains(ushort port) => _members.Contains(port);

    public override string ToString() => $"{Name} ({_members.Count} members)";
}

using NetPerf.Network.Addressing;

namespace NetPerf.Network.Netfilter;

/// <summary>
/// An ipset of type hash:ip (<c>ipset create NAME hash:ip</c>): a set of addresses a rule matches with one hash
/// lookup, as Calico's selector sets (cali40s:...) are. Its members change without rewriting the rules.
/// </summary>
public sealed class IpSet(string name)
{
    private readonly HashSet<uint> _members = [];

    public string Name { get; } = name;
    public int Count => _members.Count;

    /// <summary><c>ipset add NAME ADDRESS</c>.</summary>
    public void Add(Ipv4Address address) => _members.Add(address.Value);

    public void Clear() => _members.Clear();

    public bool Contains(Ipv4Address address) => _members.Contains(address.Value);

    public override string ToString() => $"{Name} ({_members.Count} members)";
}

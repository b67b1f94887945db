namespace NetPerf.Scenarios.Model;

/// <summary>
/// cluster.icmpFragmentationNeeded: whether the nodes pass ICMP "fragmentation needed" (type 3 code 4) or a
/// firewall on them drops it, as "block all ICMP" hardening does (<c>iptables -I OUTPUT -p icmp --icmp-type
/// fragmentation-needed -j DROP</c>, and in FORWARD). Filtered, path MTU discovery cannot work: the MTU black hole.
/// </summary>
public enum IcmpFragmentationNeeded
{
    Allowed,
    Filtered,
}

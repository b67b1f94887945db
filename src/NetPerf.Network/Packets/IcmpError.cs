namespace NetPerf.Network.Packets;

/// <summary>The ICMP errors the model sends: destination unreachable (type 3) with the code that matters here.</summary>
public enum IcmpError : byte
{
    /// <summary>Not an ICMP error.</summary>
    None,

    /// <summary>Fragmentation needed and DF set (code 4; RFC 1191): carries the next-hop MTU.</summary>
    FragmentationNeeded,

    /// <summary>Port unreachable (code 3): ip_vs_leave's answer to a packet for a virtual service with no real server.</summary>
    PortUnreachable,
}

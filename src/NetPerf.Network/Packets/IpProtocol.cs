namespace NetPerf.Network.Packets;

/// <summary>IANA protocol numbers of the protocols the simulator carries.</summary>
public enum IpProtocol : byte
{
    Icmp = 1,
    IpInIp = 4,
    Tcp = 6,
    Udp = 17,
}

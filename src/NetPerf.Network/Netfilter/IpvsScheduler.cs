namespace NetPerf.Network.Netfilter;

/// <summary>IPVS schedulers (ipvsadm -s): round robin and least connection.</summary>
public enum IpvsScheduler
{
    RoundRobin,
    LeastConnection,
}

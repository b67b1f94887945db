using NetPerf.Engine.Time;
using NetPerf.Network.Addressing;

namespace NetPerf.Kubernetes.Bgp;

/// <summary>A block route appeared in (or left) a node's FIB, put there (or taken out) by its speaker.</summary>
public readonly record struct BgpRouteChange(SimTime Time, int Node, Ipv4Prefix Block, bool Installed);

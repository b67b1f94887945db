using NetPerf.Network.Stack;
using NetPerf.Network.Topology;

namespace NetPerf.Network.Devices;

/// <summary>
/// A dummy device (kube-ipvs0): it exists to hold addresses, so that the kernel treats them as local. Anything
/// transmitted on it is discarded (drivers/net/dummy.c).
/// </summary>
public sealed class DummyDevice(NetworkNamespace ns, string name) : NetDevice(ns, name, 1500)
{
    public override bool HasLinkLayer => false;

    public override void Transmit(ref PacketWalk walk) => walk.Consume();
}

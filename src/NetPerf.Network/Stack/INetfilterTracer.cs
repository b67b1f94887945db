using NetPerf.Network.Devices;
using NetPerf.Network.Netfilter;
using NetPerf.Network.Topology;

namespace NetPerf.Network.Stack;

/// <summary>
/// A tracer that also wants to know which netfilter hook a packet entered (the
/// <see cref="Cpu.KernelStage.NetfilterHook"/> stage does not say), so a trace can read as <c>iptables -j TRACE</c> does:
/// PREROUTING, INPUT, FORWARD, OUTPUT, POSTROUTING. Hosts call it only when their tracer implements it.
/// </summary>
public interface INetfilterTracer
{
    void OnHook(int packet, NetfilterHook hook, NetworkNamespace ns, NetDevice? device);
}

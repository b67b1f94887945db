using NetPerf.Network.Cpu;
using NetPerf.Network.Devices;
using NetPerf.Network.Topology;

namespace NetPerf.Network.Stack;

/// <summary>
/// Listens to every stage a packet crosses. A host with no tracer pays one null check per stage; a tracer is
/// for <c>netperf trace</c> and for tests of hop sequences, not for long runs.
/// </summary>
public interface IPacketTracer
{
    void OnStage(int packet, KernelStage stage, NetworkNamespace ns, NetDevice? device, int core, long costPicoseconds);

    void OnDrop(int packet, DropReason reason, NetDevice? device);
}

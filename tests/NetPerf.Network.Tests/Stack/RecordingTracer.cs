using NetPerf.Network.Cpu;
using NetPerf.Network.Devices;
using NetPerf.Network.Stack;
using NetPerf.Network.Topology;

namespace NetPerf.Network.Tests.Stack;

/// <summary>Records every stage as "namespace/device stage" lines, the way <c>netperf trace</c> will print them.</summary>
internal sealed class RecordingTracer : IPacketTracer
{
    public List<string> Stages { get; } = [];
    public List<(KernelStage Stage, int Core)> Cores { get; } = [];
    public List<string> Drops { get; } = [];

    public void OnStage(int packet, KernelStage stage, NetworkNamespace ns, NetDevice? device, int core, long costPicoseconds)
    {
        Stages.Add($"{ns.Host.Name}/{ns.Name}{(device is null ? "" : "/" + device.Name)} {stage}");
        Cores.Add((stage, core));
    }

    public void OnDrop(int packet, DropReason reason, NetDevice? device) => Drops.Add($"{device?.ToString() ?? "-"} {reason}");
}

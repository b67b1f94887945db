using NetPerf.Network.Cpu;
using NetPerf.Network.Devices;
using NetPerf.Network.Netfilter;
using NetPerf.Network.Packets;
using NetPerf.Network.Stack;
using NetPerf.Network.Topology;

namespace NetPerf.Kubernetes.Tests.Paths;

/// <summary>
/// Records a packet's hops compactly, one line each: "host/namespace/device what", where what is a device's
/// work (veth, bridge, vxlan+ and vxlan- for encapsulation and decapsulation, ipip+ and ipip-, tx and rx on a
/// NIC, lo, datapath and upcall in an Open vSwitch datapath, capture, sleeve+ and sleeve- for Weave's sleeve (the kernel handing a frame to the weaver, the weaver's send, its receive and injection), from-container, to-container, from-netdev, from-host and from-overlay for Cilium's tc BPF programs, "dsr" after one that wrote or read a DSR option) or a netfilter hook (PREROUTING, INPUT, FORWARD, OUTPUT, POSTROUTING) followed by what NAT did there
/// (dst&gt;ADDRESS:PORT or src&gt;ADDRESS:PORT, "ipvs" first when IPVS did it), and "host/namespace deliver" at
/// the socket. Rule walks, FIB lookups and conntrack lookups are left out: they are in every hop.
/// </summary>
internal sealed class HopTracer : IPacketTracer, INetfilterTracer
{
    private readonly Dictionary<(Host, int), FiveTuple> _beforeNat = [];
    private readonly Dictionary<(Host, int), int> _lastHook = [];
    private readonly HashSet<(Host, int)> _inIpvs = [];

    public List<string> Hops { get; } = [];
    public List<string> Drops { get; } = [];

    public void OnStage(int packet, KernelStage stage, NetworkNamespace ns, NetDevice? device, int core, long costPicoseconds)
    {
        var key = (ns.Host, packet);
        var flow = ns.Host.Pool[packet].VisibleFlow;
        bool pending = _beforeNat.Remove(key, out var before);
        if (pending && before != flow)
        {
            // The previous stage was a NAT rewrite: note what it changed on the hook it happened in.
            bool dst = before.Destination != flow.Destination || before.DestinationPort != flow.DestinationPort;
            bool src = before.Source != flow.Source || before.SourcePort != flow.SourcePort;
            string what = dst && src
                ? $"dst>{flow.Destination}:{flow.DestinationPort} src>{flow.Source}:{flow.SourcePort}"
                : dst ? $"dst>{flow.Destination}:{flow.DestinationPort}" : $"src>{flow.Source}:{flow.SourcePort}";
            Hops[_lastHook[key]] += (_inIpvs.Contains(key) ? " ipvs " : " ") + what;
        }

        string? hop = stage switch
        {
            KernelStage.VethTransmit => "veth",
            KernelStage.BridgeForward => "bridge",
            KernelStage.VxlanEncapsulate => "vxlan+",
            KernelStage.VxlanDecapsulate => "vxlan-",
            KernelStage.GeneveEncapsulate => "geneve+",
            KernelStage.GeneveDecapsulate => "geneve-",
            KernelStage.IpipEncapsulate => "ipip+",
            KernelStage.IpipDecapsulate => "ipip-",
            KernelStage.NicTransmit => "tx",
            KernelStage.NicReceive => "rx",
            KernelStage.LoopbackTransmit => "lo",
            KernelStage.SocketDeliver => "deliver",
            KernelStage.SocketWakeUp when device is null => "deliver", // the weaver's UDP socket (its ring's wake-up is the capture's)
            KernelStage.OvsFlowLookup => "datapath",
            KernelStage.OvsUpcall => "upcall",
            KernelStage.SleeveCapture => "capture",
            KernelStage.SleeveEncapsulate => "sleeve+",
            KernelStage.SleeveDecapsulate => "sleeve-",
            KernelStage.BpfFromContainer => "from-container",
            KernelStage.BpfToContainer => "to-container",
            KernelStage.BpfFromNetdev => "from-netdev",
            KernelStage.BpfFromHost => "from-host",
            KernelStage.BpfFromOverlay => "from-overlay",
            _ => null,
        };
        switch (stage)
        {
            case KernelStage.Nat or KernelStage.BpfServiceNat or KernelStage.BpfNodePort or KernelStage.BpfNodePortSnat:
                _beforeNat.TryAdd(key, flow); // the first of a program's translations: what the packet was before them all
                break;
            case KernelStage.BpfBackendRandom or KernelStage.BpfBackendMaglev or KernelStage.BpfMapInsert or KernelStage.BpfLruEvict when pending && before == flow:
                _beforeNat[key] = before; // the backend's selection and the conntrack entry's insert sit between the lookups and the rewrite
                break;
            case KernelStage.BpfDsr:
                Hops[_lastHook[key]] += " dsr";
                break;
            case KernelStage.IpvsSchedule or KernelStage.IpvsLookup:
                _inIpvs.Add(key);
                break;
        }

        if (hop is not null)
        {
            if (stage is >= KernelStage.BpfFromContainer and <= KernelStage.BpfFromOverlay)
            {
                _lastHook[key] = Hops.Count; // a BPF program's Service translation is noted on its hop
                _inIpvs.Remove(key);
            }

            Hops.Add($"{ns.Host.Name}/{ns.Name}{(device is null || stage == KernelStage.SocketDeliver ? "" : "/" + device.Name)} {hop}");
        }
    }

    public void OnHook(int packet, NetfilterHook hook, NetworkNamespace ns, NetDevice? device)
    {
        var key = (ns.Host, packet);
        _inIpvs.Remove(key);
        _lastHook[key] = Hops.Count;
        Hops.Add($"{ns.Host.Name}/{ns.Name}/{device?.Name} {hook.ToString().ToUpperInvariant()}");
    }

    public void OnDrop(int packet, DropReason reason, NetDevice? device) => Drops.Add($"{device?.ToString() ?? "-"} {reason}");
}

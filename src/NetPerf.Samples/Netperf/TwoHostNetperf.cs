using NetPerf.Engine.Scheduling;
using NetPerf.Network.Cpu;
using NetPerf.Network.Devices;
using NetPerf.Network.Packets;
using NetPerf.Network.Topology;
using NetPerf.Transport.Tcp;
using NetPerf.Workloads;
using NetPerf.Workloads.Tcp;
using NetPerf.Workloads.Udp;

namespace NetPerf.Samples.Netperf;

/// <summary>
/// A netperf test between two Linux hosts cabled back to back (192.168.0.1 and .2 on eth0), with the shipped
/// cost model: the simplest path with a wire, to see what TCP, UDP and the offloads cost before any Kubernetes
/// plumbing is added. The client runs on core 1 and the server on core 2, away from the receive queues' cores
/// where RSS puts their flows.
/// </summary>
public sealed class TwoHostNetperf(TwoHostParameters p)
{
    public TwoHostParameters Parameters => p;

    public (WorkloadReport Report, long Events) Run()
    {
        var bed = new Testbed(new Simulator(), new PacketPool(), p.Seed);
        var client = new Host(bed, "client", CostTable.Default(), p.Cores);
        var server = new Host(bed, "server", CostTable.Default(), p.Cores);
        var a = new PhysicalNic(client.Root, "eth0", p.Mtu);
        var b = new PhysicalNic(server.Root, "eth0", p.Mtu);
        client.Root.AddAddress(a, "192.168.0.1/24");
        server.Root.AddAddress(b, "192.168.0.2/24");
        PhysicalNic.Connect(a, b, (long)(p.LinkGigabits * 1e9), p.Propagation);
        a.Offloads = b.Offloads = p.Offloads ? NicOffloads.All : NicOffloads.None;

        var endpoints = new Endpoints(client.Root, server.Root, b.PrimaryAddress!.Value, 5001,
            ClientCore: Math.Min(1, p.Cores - 1), ServerCore: Math.Min(2, p.Cores - 1));
        var tcp = TcpOptions.Linux with { CongestionControl = p.CongestionControl, Gso = p.Offloads };
        IWorkload workload = p.Test switch
        {
            NetperfTest.TCP_RR => new TcpRequestResponse("TCP_RR", endpoints, RequestPattern.ClosedLoop, p.Clients, p.RequestBytes, p.ResponseBytes, options: tcp, flowId: 1),
            NetperfTest.TCP_CRR => new TcpRequestResponse("TCP_CRR", endpoints, RequestPattern.ConnectionPerRequest, p.Clients, p.RequestBytes, p.ResponseBytes, options: tcp, flowId: 1),
            NetperfTest.TCP_STREAM => new TcpStream("TCP_STREAM", endpoints, p.Clients, options: tcp, flowId: 1),
            NetperfTest.UDP_RR => new UdpRequestResponse("UDP_RR", endpoints, p.Clients, p.RequestBytes, p.ResponseBytes, flowId: 1),
            NetperfTest.UDP_STREAM => new UdpStream("UDP_STREAM", endpoints, p.DatagramBytes ?? p.Mtu - HeaderSizes.Ipv4 - HeaderSizes.Udp, p.UdpGigabits * 1e9, flowId: 1),
            _ => throw new ArgumentOutOfRangeException(nameof(p), p.Test, "unknown test"),
        };

        var report = new WorkloadRunner(bed.Sim, [client, server]).Run([workload], p.WarmUp, p.Duration);
        return (report[0], bed.Sim.ExecutedEvents);
    }
}

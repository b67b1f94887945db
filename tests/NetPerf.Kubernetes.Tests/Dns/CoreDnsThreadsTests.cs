using NetPerf.Engine.Scheduling;
using NetPerf.Engine.Time;
using NetPerf.Kubernetes.Cluster;
using NetPerf.Kubernetes.Cni;
using NetPerf.Kubernetes.Dns;
using NetPerf.Network.Cpu;
using NetPerf.Network.Packets;
using NetPerf.Network.Stack;

namespace NetPerf.Kubernetes.Tests.Dns;

/// <summary>CoreDNS on GOMAXPROCS cores: an M/D/c server (here D/D/c: queries every T, each taking S).</summary>
public class CoreDnsThreadsTests
{
    private const int Queries = 40;

    /// <summary>Sends a query every <c>interval</c> from a pod straight to the CoreDNS pod, and times each answer.</summary>
    private sealed class PeriodicClient(UdpSocket socket, CoreDns dns, SimTime interval) : IEventHandler, IDatagramReceiver
    {
        private readonly long[] _sentPs = new long[Queries];
        public List<SimTime> ResponseTimes { get; } = [];

        public void OnEvent(int kind, long arg)
        {
            int id = dns.Register("web.default.svc.cluster.local");
            var sim = socket.Namespace.Host.Sim;
            _sentPs[id] = sim.Now.Picoseconds;
            socket.Send(dns.Pod.Ip, 53, DnsMessage.QueryBytes + DnsMessage.NameBytes("web.default.svc.cluster.local"), applicationData: DnsMessage.Query(id, DnsType.A));
            if (id + 1 < Queries)
            {
                sim.Schedule(sim.Now + interval, this);
            }
        }

        public void OnDatagram(UdpSocket s, in Packet datagram, SimTime now) =>
            ResponseTimes.Add(new SimTime(now.Picoseconds - _sentPs[DnsMessage.Read(datagram.ApplicationData).Id]));
    }

    /// <summary>Response times of <see cref="Queries"/> queries sent every <paramref name="interval"/> to CoreDNS on <paramref name="cores"/> cores.</summary>
    private static List<SimTime> Run(int cores, SimTime interval)
    {
        var cluster = new KubernetesCluster(new ClusterOptions { Nodes = 2, Costs = CostTable.Free() }, CniPlugin.ByName("calico-bgp"));
        var client = cluster.AddPod("client", 1);
        var dns = new CoreDns(cluster.AddPod("coredns", 2), goMaxProcs: cores) { Cache = null }; // every query costs S
        dns.AddService("web", "default", Network.Addressing.Ipv4Address.Parse("10.96.0.20"));
        var socket = new UdpSocket(client.Namespace, client.Ip, 40000);
        var sender = new PeriodicClient(socket, dns, interval);
        socket.Receiver = sender;
        cluster.Bed.Sim.Schedule(SimTime.Zero, sender);
        cluster.Bed.Sim.Run();
        Assert.Equal(Queries, sender.ResponseTimes.Count);
        return sender.ResponseTimes;
    }

    [Fact]
    public void Two_cores_answer_queries_every_0_6_S_without_queueing_where_one_core_falls_behind_by_0_4_S_a_query()
    {
        var s = CoreDns.DefaultServiceTime;
        var interval = new SimTime(s.Picoseconds * 6 / 10); // offered load 1.67 S per S: over one core, under two

        var one = Run(1, interval);
        var two = Run(2, interval);

        // D/D/1 overloaded: query n waits for the n before it, each S - T longer than the gap between them.
        for (int n = 1; n < Queries; n++)
        {
            Assert.Equal(s.Picoseconds - interval.Picoseconds, (one[n] - one[n - 1]).Picoseconds);
        }

        // D/D/2 at utilisation 0.83: every query finds a free thread; its response time is the first one's.
        Assert.All(two, t => Assert.Equal(one[0], t));
    }

    [Fact]
    public void Two_cores_queue_once_queries_come_faster_than_every_S_over_2()
    {
        var s = CoreDns.DefaultServiceTime;
        var justOver = Run(2, new SimTime(s.Picoseconds * 45 / 100)); // 2.2 queries per S: over the capacity of 2
        var justUnder = Run(2, new SimTime(s.Picoseconds * 55 / 100));

        // Over capacity the backlog grows by S/2 - T = 0.05 S a query: about 2 S after 40.
        Assert.True(justOver[^1] > justOver[0] + s, $"{justOver[0]} then {justOver[^1]}");
        Assert.Equal(justUnder[0], justUnder[^1]);
    }
}

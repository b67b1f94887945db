using System.Text;
using NetPerf.Engine.Time;
using NetPerf.Network.Addressing;
using NetPerf.Network.Cpu;
using NetPerf.Network.Netfilter;
using NetPerf.Network.Packets;
using NetPerf.Network.Stack;

namespace NetPerf.Network.Tests.Stack;

public class DeterminismTests
{
    private sealed class Log(StringBuilder text) : IDatagramReceiver
    {
        public void OnDatagram(UdpSocket socket, in Packet datagram, SimTime now) =>
            text.Append(now.Picoseconds).Append(' ').Append(datagram.FlowId).Append(' ').Append(socket.Port).Append('\n');
    }

    /// <summary>Cross-node traffic through probability-balanced DNAT rules, with contention on two cores.</summary>
    private static string Run(ulong seed)
    {
        var text = new StringBuilder();
        var seeded = NodePair.FlannelVxlan(CostTable.Default(), cores: 2, pods1: 2, seed: seed);
        var nf = seeded.Nodes[1].Root.EnableNetfilter();
        var svc = nf.NewChain("KUBE-SVC");
        for (int i = 0; i < 3; i++)
        {
            svc.Append(new Rule
            {
                Target = RuleTarget.Dnat, NatAddress = NodePair.PodIp(2, 1), NatPort = (ushort)(7000 + i),
                Probability = i == 2 ? null : 1.0 / (3 - i),
            });
        }

        nf.NatPreRouting.Append(new Rule { Destination = Ipv4Prefix.Parse("10.96.0.10/32"), Target = RuleTarget.Jump, JumpTo = svc });
        for (int i = 0; i < 3; i++)
        {
            _ = new UdpSocket(seeded.Pod2, NodePair.PodIp(2, 1), (ushort)(7000 + i)) { Receiver = new Log(text) };
        }

        for (int c = 0; c < 200; c++)
        {
            var pod = seeded.Pods1[c % 2];
            new UdpSocket(pod, NodePair.PodIp(1, (c % 2) + 1), (ushort)(20000 + c)).Send(Ipv4Address.Parse("10.96.0.10"), 53, 100 + c, flowId: c + 1);
        }

        seeded.Bed.Sim.Run();
        text.Append("cpu ").Append(seeded.Nodes[1].TotalCpuPicoseconds).Append(' ').Append(seeded.Nodes[2].TotalCpuPicoseconds);
        return text.ToString();
    }

    [Fact]
    public void The_same_seed_gives_the_same_history_and_another_seed_another()
    {
        string first = Run(7);
        Assert.Equal(first, Run(7));
        Assert.NotEqual(first, Run(8));
        Assert.Equal(201, first.Split('\n').Length);
    }
}

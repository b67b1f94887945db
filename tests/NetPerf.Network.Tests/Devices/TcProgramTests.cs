using NetPerf.Network.Cpu;
using NetPerf.Network.Devices;
using NetPerf.Network.Stack;
using NetPerf.Network.Tests.Stack;

namespace NetPerf.Network.Tests.Devices;

/// <summary>A tc ingress program sees a frame before the device's bridge does: TC_ACT_OK lets it go on, TC_ACT_SHOT drops it (counted), a redirect takes it away (no drop).</summary>
public class TcProgramTests
{
    private sealed class Fixed(TcVerdict verdict) : TcProgram
    {
        public int Runs { get; private set; }

        public override string Name => "fixed";

        public override TcVerdict Run(NetDevice device, ref PacketWalk walk)
        {
            Runs++;
            if (verdict == TcVerdict.Redirected)
            {
                walk.Consume(); // stands for a helper that took the packet elsewhere
            }

            return verdict;
        }
    }

    [Theory]
    [InlineData(TcVerdict.Ok, 1, 0)]
    [InlineData(TcVerdict.Shot, 0, 1)]
    [InlineData(TcVerdict.Redirected, 0, 0)]
    public void The_ingress_verdict_decides_whether_the_frame_goes_on_to_the_bridge(TcVerdict verdict, int delivered, int shot)
    {
        var pair = NodePair.FlannelVxlan(CostTable.Free(), pods1: 2);
        var hostEnd = pair.Nodes[1].Root.Devices.Single(d => d.Name == "veth1-1");
        var program = new Fixed(verdict);
        hostEnd.TcIngress = program;
        var two = new UdpSocket(pair.Pods1[1], NodePair.PodIp(1, 2), 7000) { Receiver = new Collector() };
        new UdpSocket(pair.Pods1[0], NodePair.PodIp(1, 1), 7000).Send(NodePair.PodIp(1, 2), 7000, 10);
        pair.Bed.Sim.Run();

        Assert.Equal(1, program.Runs);
        Assert.Equal(delivered, two.Received);
        Assert.Equal(shot, pair.Nodes[1].Drops(DropReason.TcShot));
    }
}

using NetPerf.Engine.Time;
using NetPerf.Network.Addressing;
using NetPerf.Network.Cpu;
using NetPerf.Network.Packets;
using NetPerf.Network.Stack;
using NetPerf.Transport.Tcp;

namespace NetPerf.Transport.Tests.Tcp;

/// <summary>
/// A host's connect4 hook (BPF_CGROUP_INET4_CONNECT, run by __inet_stream_connect before tcp_v4_connect routes):
/// what it leaves is what the socket is routed to and what its packets carry, and its run is charged once a
/// connection, not per packet.
/// </summary>
public class SocketAddressHookTests
{
    private static readonly Ipv4Address Vip = Ipv4Address.Parse("10.96.0.10");

    /// <summary>Rewrites one virtual address and port to a real one, and counts its calls.</summary>
    private sealed class Rewrite(Ipv4Address from, ushort fromPort, Ipv4Address to, ushort toPort) : ISocketAddressHook
    {
        public int Calls { get; private set; }

        public bool TryConnect(IpProtocol protocol, ref Ipv4Address address, ref ushort port)
        {
            Calls++;
            if (protocol != IpProtocol.Tcp || address != from || port != fromPort)
            {
                return false;
            }

            (address, port) = (to, toPort);
            return true;
        }
    }

    [Fact]
    public void A_translated_connect_is_routed_to_and_carries_the_new_address_and_pays_the_hook_once()
    {
        var n = new TwoNodes(CostTable.Default(), 10_000_000_000, SimTime.FromMicroseconds(10));
        var hook = new Rewrite(Vip, 80, TwoNodes.B, 5001);
        n.HostA.SocketAddressHook = hook;
        var sink = new Sink();
        _ = new TcpListener(n.HostB.Root, 5001, sink);

        // Host a has no route to 10.96.0.0/12 at all: the connect can only succeed if the hook ran before routing.
        var client = TcpSocket.Connect(n.HostA.Root, Vip, 80, new Source(1_000_000));
        n.Bed.Sim.RunUntil(SimTime.FromMilliseconds(20));

        Assert.Equal(1_000_000, sink.Received);
        Assert.Equal(TwoNodes.B, client.RemoteAddress);
        Assert.Equal(5001, client.RemotePort);
        Assert.Equal(TwoNodes.A, sink.Socket!.RemoteAddress); // the server sees the client itself: no NAT anywhere
        Assert.True(client.Statistics.PacketsSent > 10);
        Assert.Equal(1, hook.Calls);
        Assert.Equal(CostTable.Default()[KernelStage.BpfSocketLb].FixedPicoseconds, n.HostA.CpuPicosecondsOf(KernelStage.BpfSocketLb));
        Assert.Equal(0, n.HostB.CpuPicosecondsOf(KernelStage.BpfSocketLb)); // accepting runs no connect4
    }

    [Fact]
    public void A_connect_the_hook_leaves_alone_pays_nothing_for_it()
    {
        var n = new TwoNodes(CostTable.Default(), 10_000_000_000, SimTime.FromMicroseconds(10));
        var hook = new Rewrite(Vip, 80, TwoNodes.B, 5001);
        n.HostA.SocketAddressHook = hook;
        var sink = new Sink();
        _ = new TcpListener(n.HostB.Root, 5001, sink);
        _ = TcpSocket.Connect(n.HostA.Root, TwoNodes.B, 5001, new Source(100_000));
        n.Bed.Sim.RunUntil(SimTime.FromMilliseconds(10));

        Assert.Equal(100_000, sink.Received);
        Assert.Equal(1, hook.Calls);
        Assert.Equal(0, n.HostA.CpuPicosecondsOf(KernelStage.BpfSocketLb));
    }
}

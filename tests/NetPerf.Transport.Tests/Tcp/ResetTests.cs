using NetPerf.Engine.Time;
using NetPerf.Network.Cpu;
using NetPerf.Network.Stack;
using NetPerf.Transport.Tcp;

namespace NetPerf.Transport.Tests.Tcp;

/// <summary>RSTs: a SYN that finds no listener is refused at once, not left to time out.</summary>
public class ResetTests
{
    private static TwoNodes Wire() => new(CostTable.Free(), 10_000_000_000, SimTime.FromMicroseconds(10));

    [Fact]
    public void A_SYN_to_a_port_nobody_listens_on_is_answered_with_a_RST_and_connect_fails_with_ECONNREFUSED_within_one_round_trip()
    {
        var n = Wire();
        var client = TcpSocket.Connect(n.HostA.Root, TwoNodes.B, 5001, new Idle());
        n.Bed.Sim.RunUntil(SimTime.FromMicroseconds(15)); // the SYN is there (10 us), the RST on its way back
        Assert.Equal(TcpState.SynSent, client.State);
        n.Bed.Sim.RunUntil(SimTime.FromMicroseconds(25)); // a round trip: 20 us and two small frames' serialisation

        Assert.Equal(TcpState.Closed, client.State);
        Assert.Equal(TcpError.Refused, client.Error);
        Assert.False(client.TimedOut);
        Assert.Equal(1, n.HostB.ResetsSent);
        Assert.Equal(1, n.HostB.Drops(DropReason.NoSocket)); // the SYN itself is still freed as "no socket"
        Assert.Equal(0, client.Statistics.Timeouts); // no retransmission of the SYN
    }

    [Fact]
    public void A_listener_that_stopped_listening_refuses_new_connections_and_lets_accepted_ones_finish()
    {
        var n = Wire();
        var sink = new Sink();
        var listener = new TcpListener(n.HostB.Root, 5001, sink);
        var before = TcpSocket.Connect(n.HostA.Root, TwoNodes.B, 5001, new Idle());
        n.Bed.Sim.RunUntil(SimTime.FromMilliseconds(1));
        Assert.Equal(TcpState.Established, before.State);

        listener.StopListening();
        var after = TcpSocket.Connect(n.HostA.Root, TwoNodes.B, 5001, new Idle());
        before.Send(10_000);
        n.Bed.Sim.RunUntil(SimTime.FromMilliseconds(2));

        Assert.Equal(TcpError.Refused, after.Error);
        Assert.Equal(10_000, sink.Received);
        Assert.Equal(TcpState.Established, before.State);
        Assert.Equal(1, listener.Accepted);
    }

    [Fact]
    public void A_SYN_nobody_answers_ends_in_ETIMEDOUT_after_tcp_syn_retries_and_never_sends_a_RST()
    {
        var n = Wire();
        n.HostB.Root.EnableNetfilter().FilterInput.Append(new Network.Netfilter.Rule { Protocol = Network.Packets.IpProtocol.Tcp, Target = Network.Netfilter.RuleTarget.Drop });
        var client = TcpSocket.Connect(n.HostA.Root, TwoNodes.B, 5001, new Idle());
        n.Bed.Sim.RunUntil(SimTime.FromSeconds(130)); // 1 + 2 + ... + 64 s: 127 s of backoff

        Assert.Equal(TcpError.TimedOut, client.Error);
        Assert.Equal(0, n.HostB.ResetsSent);
    }
}

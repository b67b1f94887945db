using NetPerf.Engine.Time;
using NetPerf.Network.Packets;
using NetPerf.Network.Stack;

namespace NetPerf.Network.Tests.Stack;

/// <summary>Answers every datagram to wherever it came from, as a DNS server would, and notes what it saw.</summary>
internal sealed class Echo : IDatagramReceiver
{
    public List<FiveTuple> Seen { get; } = [];

    public void OnDatagram(UdpSocket socket, in Packet datagram, SimTime now)
    {
        Seen.Add(datagram.Flow);
        socket.Send(datagram.Flow.Source, datagram.Flow.SourcePort, datagram.PayloadBytes);
    }
}

using NetPerf.Engine.Time;
using NetPerf.Network.Packets;
using NetPerf.Network.Stack;

namespace NetPerf.Network.Tests.Stack;

/// <summary>Notes the headers of every datagram a client gets back.</summary>
internal sealed class Replies : IDatagramReceiver
{
    public List<FiveTuple> Got { get; } = [];

    public void OnDatagram(UdpSocket socket, in Packet datagram, SimTime now) => Got.Add(datagram.Flow);
}

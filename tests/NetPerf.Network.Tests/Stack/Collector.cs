using NetPerf.Engine.Time;
using NetPerf.Network.Packets;
using NetPerf.Network.Stack;

namespace NetPerf.Network.Tests.Stack;

/// <summary>An application that notes when each datagram reached it.</summary>
internal sealed class Collector : IDatagramReceiver
{
    public List<(SimTime At, int FlowId, int IpLength, SimTime Latency)> Got { get; } = [];

    public void OnDatagram(UdpSocket socket, in Packet datagram, SimTime now) =>
        Got.Add((now, datagram.FlowId, datagram.IpLength, now - new SimTime(datagram.SentAtPs)));
}

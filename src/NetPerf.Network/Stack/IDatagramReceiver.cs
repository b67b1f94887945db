using NetPerf.Engine.Time;
using NetPerf.Network.Packets;

namespace NetPerf.Network.Stack;

/// <summary>The application behind a <see cref="UdpSocket"/>: it is handed each datagram once its process is awake.</summary>
public interface IDatagramReceiver
{
    void OnDatagram(UdpSocket socket, in Packet datagram, SimTime now);
}

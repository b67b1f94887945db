namespace NetPerf.Network.Stack;

/// <summary>
/// A single-threaded UDP server process on its socket's core: it takes one datagram at a time, recvfrom() copies
/// it, the process works on it for its service time, sendto() answers, and only then comes the next. Requests
/// from every client queue for the one process, first come first served.
/// </summary>
public abstract class SerialDatagramServer(UdpSocket socket) : ThreadedDatagramServer(socket, [socket.Core]);

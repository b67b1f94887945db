namespace NetPerf.Network.Packets;

/// <summary>The TCP header's control bits (RFC 9293 section 3.1) that the model uses.</summary>
[Flags]
public enum TcpFlags : byte
{
    None = 0,
    Fin = 1,
    Syn = 2,
    Rst = 4,
    Psh = 8,
    Ack = 16,
}

namespace NetPerf.Kubernetes.Dns;

/// <summary>
/// What a DNS query or answer carries, packed into a packet's application data (payload bytes are not
/// modelled): the query's number in the resolver's table, its type, and the answer's response code.
/// </summary>
internal static class DnsMessage
{
    public const int QueryBytes = 12 + 4;   // header, then QTYPE and QCLASS after the name
    public const int AnswerRecordBytes = 16; // a compressed name pointer, TYPE, CLASS, TTL, RDLENGTH, then RDATA

    private const long NxDomainBit = 1L << 62;

    public static long Query(int id, DnsType type) => ((long)id << 1) | (long)type;

    public static (int Id, DnsType Type, bool NxDomain) Read(long data) =>
        ((int)((data & ~NxDomainBit) >> 1), (DnsType)(data & 1), (data & NxDomainBit) != 0);

    public static long Answer(long query, bool nxDomain) => nxDomain ? query | NxDomainBit : query;

    /// <summary>Bytes of a name on the wire: a length byte per label, the labels, the root's zero byte.</summary>
    public static int NameBytes(string name) => name.Length + 2;
}

/// <summary>The record types a pod's resolver asks for: A and AAAA, sent together as glibc does.</summary>
public enum DnsType
{
    A = 0,
    Aaaa = 1,
}

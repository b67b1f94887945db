namespace NetPerf.Network.Topology;

/// <summary>
/// How a kernel line walks on from one connect()'s source port to the next (__inet_hash_connect,
/// net/ipv4/inet_hashtables.c): the part of RFC 6056's algorithms it implements.
/// </summary>
public enum ConnectPortSearch
{
    /// <summary>
    /// v4.6 to v5.11 as released (the modelled 4.14 and 5.4): RFC 6056's Algorithm 3, one <c>static u32 hint</c>
    /// for the whole kernel, every namespace's connections moving it on: <c>offset = hint + port_offset</c>, and
    /// <c>hint += i + 2</c> at the port found; the hash has no time seed and there is no random step.
    /// </summary>
    GlobalHint,

    /// <summary>
    /// The modelled 6.18: Algorithm 4, double-hash port selection (190cc82489f4 "tcp: change source port
    /// randomizarion at connect() time", v5.12), with the 2022 series behind CVE-2022-32296 (Willy Tarreau, Eric
    /// Dumazet: 64-bit port_offset, its low bits index table_perturb's 2^16 slots, a random step of up to 16, and
    /// the hash's time seed <c>jiffies / EPHEMERAL_PORT_SHUFFLE_PERIOD</c>, 10 s). The stable 4.9-5.15 lines took
    /// that series in 2022; the modelled 4.14 and 5.4 are those lines as released.
    /// </summary>
    PerturbTable,
}

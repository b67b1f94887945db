namespace NetPerf.Network.Topology;

/// <summary>
/// How a kernel line walks on from one connect()'s source port to the next (__inet_hash_connect,
/// net/ipv4/inet_hashtables.c): the part of RFC 6056's algorithms it implements.
/// </summary>
public enum ConnectPortSearch
{
    /// <summary>
    /// The lines before v5.12 as released (the modelled 4.14 and 5.4): RFC 6056's Algorithm 3, one <c>static u32
    /// hint</c> for the whole kernel, every namespace's connections moving it on: <c>offset = hint + port_offset</c>,
    /// and (since 1580ab63fc9a, v4.6, with the parity scan) <c>hint += i + 2</c> at the port found; the hash has no
    /// time seed and there is no random step (v5.12's c579bd1b4021 added one before table_perturb replaced the hint).
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

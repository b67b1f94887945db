using NetPerf.Engine.Random;
using NetPerf.Engine.Time;
using NetPerf.Network.Addressing;

namespace NetPerf.Network.Topology;

/// <summary>
/// Where the kernel starts its search for the source port of a connect() without bind(), one per host: its
/// per-boot secret, its hint or table_perturb and its uptime are the kernel's, shared by every namespace on it
/// (net/ipv4/inet_hashtables.c, inet_hash_connect -> __inet_hash_connect). The search starts at an offset hashed
/// from the connection's (saddr, daddr, dport) with that secret (inet_sk_port_offset -> secure_ipv4_port_ephemeral,
/// a siphash keyed by net_secret), so two pods' connections to one server start at unrelated ports, and one pod's
/// successive ones walk on from the last (<see cref="ConnectPortSearch"/>: how a line walks on). The secret and the
/// uptime are drawn from the scenario's seed (the host's own streams), so a run is the same per seed and two seeds
/// are two boots.
/// </summary>
internal sealed class ConnectPorts
{
    /// <summary>INET_TABLE_PERTURB_SIZE: 1 &lt;&lt; CONFIG_INET_TABLE_PERTURB_ORDER (16).</summary>
    private const int PerturbMask = (1 << 16) - 1;

    /// <summary>EPHEMERAL_PORT_SHUFFLE_PERIOD (10 * HZ, net/core/secure_seq.c): the port hash's time seed changes every 10 s of uptime.</summary>
    private const long ShufflePeriodPs = 10_000_000_000_000;

    private readonly ulong _k0, _k1, _perturbKey;

    /// <summary>The host's uptime at the simulation's start, within a shuffle period: where its 10 s epochs fall.</summary>
    private readonly long _uptimePhasePs;

    /// <summary>
    /// table_perturb's slots moved since boot; an untouched slot holds its random fill, made on the first connect()
    /// (<c>net_get_random_once(table_perturb, ...)</c> in __inet_hash_connect since 190cc82489f4, v5.12; later
    /// get_random_sleepable_once).
    /// </summary>
    private readonly Dictionary<int, uint> _perturb = [];

    /// <summary>get_random_u32_below(8) at each port found.</summary>
    private readonly RngStream _random;

    /// <summary>The lines before table_perturb: one static u32 for the whole kernel, zero at boot.</summary>
    private uint _hint;

    public ConnectPorts(RngStreams streams, string host)
    {
        var secret = streams.Create($"{host}/net_secret");
        (_k0, _k1, _perturbKey) = (secret.NextUInt64(), secret.NextUInt64(), secret.NextUInt64());
        _uptimePhasePs = (long)(secret.NextUInt64() % (ulong)ShufflePeriodPs);
        _random = streams.Create($"{host}/inet_hash_connect");
    }

    /// <summary>
    /// The first pass's start, an even offset into the range of <paramref name="remaining"/> ports (an even count),
    /// and the table_perturb slot to advance once a port is found (-1: the global hint). With table_perturb:
    /// <c>index = port_offset &amp; (INET_TABLE_PERTURB_SIZE - 1); offset = table_perturb[index] + (port_offset &gt;&gt; 32);
    /// offset %= remaining; offset &amp;= ~1U</c>, port_offset hashed with the time seed <c>jiffies /
    /// EPHEMERAL_PORT_SHUFFLE_PERIOD</c> (so one client's start for one server moves every 10 s of uptime); with the
    /// global hint: <c>offset = hint + port_offset</c> of a 32-bit hash without a time seed. connect() takes ports of
    /// the range's low parity first since 4.6 (1580ab63fc9a "tcp/dccp: better use of ephemeral ports in connect()"),
    /// bind() the other.
    /// </summary>
    public (int Index, uint Offset) Start(ConnectPortSearch search, Ipv4Address source, Ipv4Address destination, ushort destinationPort, uint remaining, SimTime now)
    {
        ulong addresses = source.Value | ((ulong)destination.Value << 32);
        if (search == ConnectPortSearch.GlobalHint)
        {
            // secure_ipv4_port_ephemeral before v5.12: siphash_3u32(saddr, daddr, dport), returned as u32 (modelled as
            // the same SipHash-2-4 over a 16-byte message with a zero fourth word: with a random key, as uniform).
            uint portOffset = (uint)SipHash(_k0, _k1, addresses, destinationPort);
            return (-1, (unchecked(_hint + portOffset) % remaining) & ~1U);
        }

        // jiffies / (10 * HZ): jiffies starts at INITIAL_JIFFIES ((unsigned int)(-300 * HZ), include/linux/jiffies.h),
        // which is not a whole number of periods, so where in uptime the epochs turn depends on HZ: a random phase.
        ulong timeSeed = (ulong)((now.Picoseconds + _uptimePhasePs) / ShufflePeriodPs);
        ulong hashed = SipHash(_k0, _k1, addresses, destinationPort | (timeSeed << 32)); // siphash_4u32(saddr, daddr, dport, time seed)
        int index = (int)(hashed & PerturbMask);
        uint offset = unchecked(Perturb(index) + (uint)(hashed >> 32)) % remaining;
        return (index, offset & ~1U);
    }

    /// <summary>
    /// After the port found <paramref name="tried"/> ports in (i, in steps of 2). With table_perturb, "a little bit
    /// of randomness to the next source port": <c>i = max_t(int, i, get_random_u32_below(8) * 2);
    /// table_perturb[index] += i + 2</c>; with the global hint, <c>hint += i + 2</c>.
    /// </summary>
    public void Found(int index, int tried)
    {
        if (index < 0)
        {
            _hint = unchecked(_hint + (uint)tried + 2);
            return;
        }

        int i = Math.Max(tried, _random.Next(8) * 2);
        _perturb[index] = unchecked(Perturb(index) + (uint)i + 2);
    }

    private uint Perturb(int index) => _perturb.TryGetValue(index, out uint v) ? v : (uint)Mix(_perturbKey ^ (ulong)index);

    /// <summary>SplitMix64's finaliser: a slot's random fill, from the host's secret.</summary>
    private static ulong Mix(ulong z)
    {
        unchecked
        {
            z += 0x9E3779B97F4A7C15UL;
            z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
            z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
            return z ^ (z >> 31);
        }
    }

    /// <summary>SipHash-2-4 of two 64-bit words (the kernel's siphash_4u32(saddr, daddr, dport, 0, &amp;net_secret)).</summary>
    private static ulong SipHash(ulong k0, ulong k1, ulong m0, ulong m1)
    {
        ulong v0 = 0x736f6d6570736575UL ^ k0, v1 = 0x646f72616e646f6dUL ^ k1;
        ulong v2 = 0x6c7967656e657261UL ^ k0, v3 = 0x7465646279746573UL ^ k1;
        Compress(ref v0, ref v1, ref v2, ref v3, m0);
        Compress(ref v0, ref v1, ref v2, ref v3, m1);
        Compress(ref v0, ref v1, ref v2, ref v3, 16UL << 56); // the length byte of a 16-byte message
        v2 ^= 0xff;
        for (int r = 0; r < 4; r++)
        {
            Round(ref v0, ref v1, ref v2, ref v3);
        }

        return v0 ^ v1 ^ v2 ^ v3;
    }

    private static void Compress(ref ulong v0, ref ulong v1, ref ulong v2, ref ulong v3, ulong m)
    {
        v3 ^= m;
        Round(ref v0, ref v1, ref v2, ref v3);
        Round(ref v0, ref v1, ref v2, ref v3);
        v0 ^= m;
    }

    private static void Round(ref ulong v0, ref ulong v1, ref ulong v2, ref ulong v3)
    {
        unchecked
        {
            v0 += v1; v1 = ulong.RotateLeft(v1, 13); v1 ^= v0; v0 = ulong.RotateLeft(v0, 32);
            v2 += v3; v3 = ulong.RotateLeft(v3, 16); v3 ^= v2;
            v0 += v3; v3 = ulong.RotateLeft(v3, 21); v3 ^= v0;
            v2 += v1; v1 = ulong.RotateLeft(v1, 17); v1 ^= v2; v2 = ulong.RotateLeft(v2, 32);
        }
    }
}

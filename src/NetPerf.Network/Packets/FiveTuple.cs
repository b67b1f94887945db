using NetPerf.Network.Addressing;

namespace NetPerf.Network.Packets;

/// <summary>The flow a packet belongs to, as conntrack, RSS and ECMP see it.</summary>
public readonly record struct FiveTuple(
    Ipv4Address Source,
    Ipv4Address Destination,
    IpProtocol Protocol,
    ushort SourcePort,
    ushort DestinationPort)
{
    /// <summary>The reply direction of the flow.</summary>
    public FiveTuple Reversed => new(Destination, Source, Protocol, DestinationPort, SourcePort);

    /// <summary>
    /// A 32-bit hash of the tuple, uniform and the same for every run. It stands in for the kernel's flow hash
    /// (siphash over the dissected flow keys, net/core/flow_dissector.c) and for a NIC's Toeplitz RSS hash:
    /// what the model needs from either is that one flow always hashes alike and different flows spread.
    /// </summary>
    public uint Hash() => Hash(0);

    /// <summary>The hash keyed by <paramref name="seed"/> (a router's ECMP hash seed); seed 0 is <see cref="Hash()"/>.</summary>
    public uint Hash(uint seed)
    {
        ulong x = ((ulong)Source.Value << 32) | Destination.Value;
        ulong y = ((ulong)SourcePort << 32) | ((ulong)DestinationPort << 16) | (byte)Protocol;
        ulong h = Mix(x ^ Mix(y + 0x9E3779B97F4A7C15UL + (seed * 0xD1B54A32D192ED03UL)));
        return (uint)(h ^ (h >> 32));
    }

    private static ulong Mix(ulong z)
    {
        // SplitMix64's finaliser (Stafford variant 13): every input bit affects every output bit.
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
        return z ^ (z >> 31);
    }

    public override string ToString() => $"{Protocol} {Source}:{SourcePort} -> {Destination}:{DestinationPort}";
}

using System.Text;

namespace NetPerf.Engine.Random;

/// <summary>
/// Hands out one independent random stream per model entity, derived from the run's seed and the entity's
/// stable name ("node/worker-2/nic/rss"), never from the order in which streams are asked for. Adding a node
/// therefore leaves every other entity's numbers unchanged, and comparing two configurations keeps common
/// random numbers wherever their entities coincide.
/// </summary>
public sealed class RngStreams(ulong seed)
{
    public ulong Seed { get; } = seed;

    /// <summary>The stream named <paramref name="name"/>; the same name always gives the same sequence.</summary>
    public RngStream Create(string name)
    {
        ArgumentException.ThrowIfNullOrEmpty(name);
        return new RngStream(DeriveSeed(Seed, name));
    }

    /// <summary>
    /// Seed of a named stream: the run seed and a 64-bit FNV-1a hash of the name's UTF-8 bytes, mixed by
    /// SplitMix64's finaliser so that nearby run seeds give unrelated streams.
    /// </summary>
    public static ulong DeriveSeed(ulong runSeed, string name)
    {
        const ulong fnvOffset = 0xCBF29CE484222325UL;
        const ulong fnvPrime = 0x100000001B3UL;
        ulong h = fnvOffset;
        foreach (byte b in Encoding.UTF8.GetBytes(name))
        {
            h = (h ^ b) * fnvPrime;
        }

        ulong x = runSeed ^ RngStream.SplitMix64(ref h);
        return RngStream.SplitMix64(ref x);
    }
}

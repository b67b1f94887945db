using MathNet.Numerics.Distributions;

namespace NetPerf.Workloads;

/// <summary>A message size in bytes: fixed, or drawn from a distribution (rounded, at least 1 byte).</summary>
public sealed class MessageSize
{
    private readonly int _fixed;
    private readonly IContinuousDistribution? _distribution;

    private MessageSize(int fixedBytes, IContinuousDistribution? distribution)
    {
        _fixed = fixedBytes;
        _distribution = distribution;
    }

    public static MessageSize Fixed(int bytes)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(bytes, 1);
        return new MessageSize(bytes, null);
    }

    /// <summary>Sizes drawn from <paramref name="distribution"/> (its random source should be a seeded stream).</summary>
    public static MessageSize From(IContinuousDistribution distribution) => new(0, distribution);

    public int Next() => _distribution is null ? _fixed : (int)Math.Clamp(Math.Round(_distribution.Sample()), 1, int.MaxValue);

    public double Mean => _distribution?.Mean ?? _fixed;

    public static implicit operator MessageSize(int bytes) => Fixed(bytes);
}

using MathNet.Numerics.Distributions;
using NetPerf.Engine.Random;

namespace NetPerf.Benchmarks.Scheduling;

/// <summary>
/// The random numbers of ns-3's hold model (<c>utils/bench-scheduler.cc</c>): every delay is exponential with a
/// mean of 100 ns, drawn in picoseconds (rounded to the nearest picosecond, not to nanoseconds). They are drawn
/// once, before timing, so every contender runs exactly the same schedule and the time measured is the
/// queue's alone.
/// </summary>
public static class HoldWorkload
{
    public const double MeanDelayPicoseconds = 100_000;
    public const ulong Seed = 20261125;

    public static long[] DrawDelays(int count, string stream)
    {
        var rng = new RngStreams(Seed).Create(stream);
        var delays = new long[count];
        for (int i = 0; i < delays.Length; i++)
        {
            delays[i] = (long)Math.Round(Exponential.Sample(rng, 1.0 / MeanDelayPicoseconds));
        }

        return delays;
    }
}

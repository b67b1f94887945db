namespace NetPerf.Network.Cpu;

/// <summary>What one stage costs for one packet: a fixed part plus a part proportional to the packet's bytes.</summary>
public readonly record struct StageCost(long FixedPicoseconds, long PicosecondsPerByte)
{
    /// <summary>
    /// What the stage's first run in a packet's journey costs beyond its later runs (one reading: its code cold in the
    /// CPU's caches until the journey first needs it). Fitted only by the experimental <c>calibrate --fit-first-run</c>,
    /// from one hop against the marginal hop of a chain of four; zero in every shipped profile.
    /// </summary>
    public long ColdPicoseconds { get; init; }

    public long For(int bytes) => FixedPicoseconds + (PicosecondsPerByte * bytes);

    public static StageCost Nanoseconds(double fixedNs, double nsPerByte = 0) =>
        new((long)Math.Round(fixedNs * 1000), (long)Math.Round(nsPerByte * 1000));
}

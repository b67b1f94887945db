namespace NetPerf.Network.Cpu;

/// <summary>What one stage costs for one packet: a fixed part plus a part proportional to the packet's bytes.</summary>
public readonly record struct StageCost(long FixedPicoseconds, long PicosecondsPerByte)
{
    /// <summary>
    /// What the stage's first run in a packet's journey costs beyond its later runs (its code and data cold in the
    /// CPU's caches until this packet first needs them; a later bridge, router or conntrack lookup on the same
    /// journey finds them warm). Measured as the difference between one such hop and the marginal hop of a chain
    /// of four (calibrate's chain testbeds); zero unless a calibration fitted it.
    /// </summary>
    public long ColdPicoseconds { get; init; }

    public long For(int bytes) => FixedPicoseconds + (PicosecondsPerByte * bytes);

    public static StageCost Nanoseconds(double fixedNs, double nsPerByte = 0) =>
        new((long)Math.Round(fixedNs * 1000), (long)Math.Round(nsPerByte * 1000));
}

namespace NetPerf.Network.Cpu;

/// <summary>What one stage costs for one packet: a fixed part plus a part proportional to the packet's bytes.</summary>
public readonly record struct StageCost(long FixedPicoseconds, long PicosecondsPerByte)
{
    public long For(int bytes) => FixedPicoseconds + (PicosecondsPerByte * bytes);

    public static StageCost Nanoseconds(double fixedNs, double nsPerByte = 0) =>
        new((long)Math.Round(fixedNs * 1000), (long)Math.Round(nsPerByte * 1000));
}

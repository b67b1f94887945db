namespace NetPerf.Network.Cpu;

/// <summary>
/// The CPU cost of every <see cref="KernelStage"/>. A table is built by the caller; the shipped defaults, each
/// citing its source (a row of measurements.md, a kernel measurement and how it was made), arrive as a data
/// file with the rest of the cost model.
/// </summary>
public sealed class CostTable
{
    private static readonly int StageCount = Enum.GetValues<KernelStage>().Length;
    private readonly StageCost[] _costs = new StageCost[StageCount];

    /// <summary>A table in which every stage is free: latency is then wire time alone.</summary>
    public static CostTable Free() => new();

    /// <summary>Every stage costs the same: convenient for checks where only the number of stages matters.</summary>
    public static CostTable Uniform(StageCost cost)
    {
        var table = new CostTable();
        Array.Fill(table._costs, cost);
        return table;
    }

    public static int Stages => StageCount;

    public StageCost this[KernelStage stage]
    {
        get => _costs[(int)stage];
        set => _costs[(int)stage] = value;
    }

    /// <summary>Picoseconds <paramref name="stage"/> takes for a packet of <paramref name="bytes"/>.</summary>
    public long Of(KernelStage stage, int bytes) => _costs[(int)stage].For(bytes);
}

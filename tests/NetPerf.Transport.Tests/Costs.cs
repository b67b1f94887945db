using NetPerf.Network.Cpu;

namespace NetPerf.Transport.Tests;

internal static class Costs
{
    /// <summary>Every stage costs something different, so a missing or doubled stage shows in a sum.</summary>
    public static CostTable Distinct()
    {
        var t = new CostTable();
        foreach (var stage in Enum.GetValues<KernelStage>())
        {
            t[stage] = new StageCost(((int)stage + 1) * 10_000L, (int)stage + 1); // (i+1) x 10 ns + (i+1) ps per byte
        }

        return t;
    }

    public static long Sum(CostTable t, int bytes, params KernelStage[] stages) => stages.Sum(s => t.Of(s, bytes));
}

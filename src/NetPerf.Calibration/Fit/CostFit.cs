using MathNet.Numerics.LinearAlgebra;
using NetPerf.Network.Cpu;

namespace NetPerf.Calibration.Fit;

/// <summary>
/// Fits the cost table to the single-hop paths. The model is linear in the costs: a path's kernel time is the sum
/// over the stages it charges of (times charged x cost), so scaling a <see cref="StageGroup"/>'s costs by a factor
/// scales its share of every path by that factor. Each fit path contributes one equation,
/// sum over groups (factor x the group's nanoseconds on the path under the prior table) + the unfitted stages =
/// the path's measured kernel time in a typical transaction; the equations are weighted by 1 / measured (a
/// relative error on each path) and solved by least squares (MathNet's QR). Physically constrained: a factor
/// stays within [<see cref="MinFactor"/>, <see cref="MaxFactor"/>], so that no stage can fall to nothing or swell to
/// absorb another's work; a group that hits a bound is held there and the rest refitted.
/// </summary>
public static class CostFit
{
    public const double MinFactor = 0.25;
    public const double MaxFactor = 4.0;

    /// <summary>A first run's premium stays below three times the stage's prior fixed cost: a premium the size of several hops would be another hop, not a first run.</summary>
    public const double MaxColdFactor = 3.0;

    /// <summary>
    /// The ridge's weight: a factor 10% from 1 costs as much as a 0.1% miss on one path (a round-to-round spread is ten times that), so the data win wherever
    /// they tell a group apart, and the prior only where they do not.
    /// </summary>
    public const double Ridge = 0.01;

    /// <param name="prior">The table the factors scale (the shipped namespace measurements).</param>
    /// <param name="paths">Each fit path's kernel nanoseconds by stage under <paramref name="prior"/>, and its measured kernel time.</param>
    public static FitResult Fit(CostTable prior, IReadOnlyList<(string Name, IReadOnlyDictionary<KernelStage, double> PriorNs, double MeasuredNs)> paths) =>
        Fit(prior, paths.Select(p => (p.Name, p.PriorNs, (IReadOnlyDictionary<KernelStage, double>)new Dictionary<KernelStage, double>(), p.MeasuredNs)).ToList());

    /// <param name="paths">As above, with each path's per-byte nanoseconds of the per-byte groups' stages (part of PriorNs, fitted apart).</param>
    public static FitResult Fit(CostTable prior, IReadOnlyList<(string Name, IReadOnlyDictionary<KernelStage, double> PriorNs, IReadOnlyDictionary<KernelStage, double> PerByteNs, double MeasuredNs)> paths) =>
        Fit(prior, paths.Select(p => (p.Name, p.PriorNs, p.PerByteNs, (IReadOnlyDictionary<KernelStage, double>)new Dictionary<KernelStage, double>(), p.MeasuredNs)).ToList());

    /// <param name="paths">
    /// As above, with each path's cold nanoseconds: what its stages' first runs on each packet's journey would add if
    /// each cost its prior fixed cost once more (<see cref="StageCost.ColdPicoseconds"/>). A <see cref="StageGroup.Cold"/>
    /// group gets a second factor, its first run's premium as a multiple of its prior fixed cost: a path with one such
    /// hop against a chain of four tells it apart from the group's steady cost.
    /// </param>
    /// <param name="differenceOf">
    /// Per path, the index of the path it is fitted against (its equation is then the two paths' difference: what
    /// the one adds to the other), or -1 for its own level. A group that only one path carries is told apart by that
    /// path's difference from its base; fitted on the path's level it would also absorb the shared stages' miss.
    /// </param>
    public static FitResult Fit(CostTable prior, IReadOnlyList<(string Name, IReadOnlyDictionary<KernelStage, double> PriorNs, IReadOnlyDictionary<KernelStage, double> PerByteNs, IReadOnlyDictionary<KernelStage, double> ColdNs, double MeasuredNs)> paths,
        IReadOnlyList<int>? differenceOf = null)
    {
        int BaseOf(int p) => differenceOf is null ? -1 : differenceOf[p];
        var groups = StageGroup.All;
        // Premiums only for the Cold groups the paths give a first run to (none when no cold nanoseconds are given).
        var cold = groups.Select((g, i) => (g, i)).Where(x => x.g.Cold && paths.Any(p => x.g.Stages.Any(s => p.ColdNs.GetValueOrDefault(s) > 0))).Select(x => x.i).ToArray();
        int n = groups.Count + cold.Length; // the groups' steady factors, then the cold groups' premiums
        var share = new double[paths.Count, n];
        var rest = new double[paths.Count];
        for (int p = 0; p < paths.Count; p++)
        {
            for (int k = 0; k < cold.Length; k++)
            {
                share[p, groups.Count + k] = groups[cold[k]].Stages.Sum(s => paths[p].ColdNs.GetValueOrDefault(s));
            }
        }

        for (int p = 0; p < paths.Count; p++)
        {
            foreach (var (stage, ns) in paths[p].PriorNs)
            {
                double perByte = paths[p].PerByteNs.GetValueOrDefault(stage);
                int byteGroup = IndexOf(groups, stage, perByte: true);
                if (byteGroup >= 0 && perByte > 0)
                {
                    share[p, byteGroup] += perByte;
                }

                double rest0 = byteGroup >= 0 ? ns - perByte : ns;
                int g = IndexOf(groups, stage, perByte: false);
                if (g >= 0)
                {
                    share[p, g] += rest0;
                }
                else
                {
                    rest[p] += rest0;
                }
            }
        }

        // A steady factor starts at (and is pulled towards) 1, a premium at 0: no first-run premium unless the chains show one.
        double Prior(int k) => k < groups.Count ? 1 : 0;
        double Min(int k) => k < groups.Count ? MinFactor : 0;
        double Max(int k) => k < groups.Count ? MaxFactor : MaxColdFactor;
        var factors = Enumerable.Range(0, n).Select(Prior).ToArray();
        var held = new bool[n];
        for (int iteration = 0; iteration <= n; iteration++)
        {
            var free = Enumerable.Range(0, n).Where(g => !held[g] && Enumerable.Range(0, paths.Count).Any(p => share[p, g] > 0)).ToArray();
            if (free.Length == 0)
            {
                break;
            }

            // One row per path, then one per free group pulling its factor gently towards 1 (the shipped table): a
            // ridge that keeps a group that a noisy round can hardly see from swinging to a bound.
            var a = Matrix<double>.Build.Dense(paths.Count + free.Length, free.Length);
            var b = Vector<double>.Build.Dense(paths.Count + free.Length);
            for (int j = 0; j < free.Length; j++)
            {
                a[paths.Count + j, j] = Ridge;
                b[paths.Count + j] = Ridge * Prior(free[j]);
            }

            double Unfitted(int p) => paths[p].MeasuredNs - rest[p] - Enumerable.Range(0, n).Where(g => !free.Contains(g)).Sum(g => factors[g] * share[p, g]);
            for (int p = 0; p < paths.Count; p++)
            {
                // Weighted by the path's own level either way, so that a difference counts as a relative miss on its path.
                double w = 1 / paths[p].MeasuredNs;
                int q = BaseOf(p);
                b[p] = (Unfitted(p) - (q >= 0 ? Unfitted(q) : 0)) * w;
                for (int j = 0; j < free.Length; j++)
                {
                    a[p, j] = (share[p, free[j]] - (q >= 0 ? share[q, free[j]] : 0)) * w;
                }
            }

            var x = a.QR().Solve(b);
            bool clamped = false;
            for (int j = 0; j < free.Length; j++)
            {
                double f = x[j];
                if (f < Min(free[j]) || f > Max(free[j]))
                {
                    factors[free[j]] = Math.Clamp(f, Min(free[j]), Max(free[j]));
                    held[free[j]] = true;
                    clamped = true;
                }
                else
                {
                    factors[free[j]] = f;
                }
            }

            if (!clamped)
            {
                break;
            }
        }

        var fitted = prior.Clone();
        for (int g = 0; g < groups.Count; g++)
        {
            foreach (var stage in groups[g].Stages.Concat(groups[g].Derived))
            {
                var c = fitted[stage];
                bool byteGroupElsewhere = !groups[g].PerByte && IndexOf(groups, stage, perByte: true) >= 0;
                fitted[stage] = groups[g].PerByte
                    ? c with { PicosecondsPerByte = (long)Math.Round(prior[stage].PicosecondsPerByte * factors[g]) }
                    : new StageCost((long)Math.Round(prior[stage].FixedPicoseconds * factors[g]),
                        byteGroupElsewhere ? c.PicosecondsPerByte : (long)Math.Round(prior[stage].PicosecondsPerByte * factors[g])) { ColdPicoseconds = c.ColdPicoseconds };
            }
        }

        for (int k = 0; k < cold.Length; k++)
        {
            foreach (var stage in groups[cold[k]].Stages)
            {
                fitted[stage] = fitted[stage] with { ColdPicoseconds = (long)Math.Round(prior[stage].FixedPicoseconds * factors[groups.Count + k]) };
            }
        }

        var residuals = new double[paths.Count];
        for (int p = 0; p < paths.Count; p++)
        {
            double model = rest[p] + Enumerable.Range(0, n).Sum(g => factors[g] * share[p, g]);
            residuals[p] = (model / paths[p].MeasuredNs) - 1;
        }

        return new FitResult(fitted, groups.Select((g, i) => (g, factors[i], held[i])).ToList(), residuals)
        {
            Cold = cold.Select((g, k) => (groups[g], factors[groups.Count + k], held[groups.Count + k])).ToList(),
        };
    }

    private static int IndexOf(IReadOnlyList<StageGroup> groups, KernelStage stage, bool perByte)
    {
        for (int g = 0; g < groups.Count; g++)
        {
            if (groups[g].PerByte == perByte && (groups[g].Stages.Contains(stage) || groups[g].Derived.Contains(stage)))
            {
                return g;
            }
        }

        return -1;
    }
}

/// <summary>The fitted table, each group's factor (and whether a bound held it), and each fit path's residual (model / measured - 1).</summary>
public sealed record FitResult(CostTable Table, IReadOnlyList<(StageGroup Group, double Factor, bool AtBound)> Factors, IReadOnlyList<double> Residuals)
{
    /// <summary>Each <see cref="StageGroup.Cold"/> group's first-run premium, as a multiple of its prior fixed cost (and whether a bound held it).</summary>
    public IReadOnlyList<(StageGroup Group, double Factor, bool AtBound)> Cold { get; init; } = [];
}

namespace NetPerf.Calibration.Fit;

/// <summary>
/// Fits <see cref="Network.Cpu.KernelStage.Interference"/> to the loopback path's spread: a transaction whose
/// kernel work is S (the fitted stages) and whose probes spend U in user space takes S + U + the interruptions
/// that arrive during S, a Poisson process of rate r per busy millisecond, each lasting an exponential time of
/// mean D, exactly as the simulator draws them (Host.Interference). r and D are chosen on a logarithmic grid to
/// match the measured median, mean and p99 (relative squared errors, equal weights), by Monte Carlo with a fixed
/// seed and common random numbers across the grid, so the fit is the same on every run of the same measurement.
/// </summary>
public static class InterferenceFit
{
    public sealed record Result(double RatePerMs, double MeanNs, double ModelP50Ns, double ModelMeanNs, double ModelP99Ns);

    public static Result Fit(double kernelNs, double userNs, double p50Ns, double meanNs, double p99Ns, int samples = 20_000)
    {
        var rng = new Random(20261202);
        // Common random numbers: the uniforms behind every sample's arrivals and lengths, reused for each candidate.
        var arrivals = new double[samples][];
        var lengths = new double[samples][];
        for (int i = 0; i < samples; i++)
        {
            arrivals[i] = new double[8];
            lengths[i] = new double[8];
            for (int k = 0; k < 8; k++)
            {
                arrivals[i][k] = -Math.Log(1 - rng.NextDouble());
                lengths[i][k] = -Math.Log(1 - rng.NextDouble());
            }
        }

        Result best = new(0, 0, kernelNs + userNs, kernelNs + userNs, kernelNs + userNs);
        double bestError = Error(best, p50Ns, meanNs, p99Ns);
        var rtt = new double[samples];
        for (int ri = 0; ri <= 40; ri++)
        {
            double rate = 0.1 * Math.Pow(10, ri * 3.5 / 40); // 0.1 to ~316 per busy ms
            double perNs = rate / 1e6;
            for (int di = 0; di <= 40; di++)
            {
                double mean = 100 * Math.Pow(10, di * 3.0 / 40); // 100 ns to 100 us
                double sum = 0;
                for (int i = 0; i < samples; i++)
                {
                    double extra = 0, t = arrivals[i][0] / perNs;
                    for (int k = 0; t < kernelNs && k < 7; k++)
                    {
                        extra += lengths[i][k] * mean;
                        t += arrivals[i][k + 1] / perNs;
                    }

                    rtt[i] = kernelNs + userNs + extra;
                    sum += rtt[i];
                }

                Array.Sort(rtt);
                var candidate = new Result(rate, mean, rtt[samples / 2], sum / samples, rtt[(int)(samples * 0.99)]);
                double error = Error(candidate, p50Ns, meanNs, p99Ns);
                if (error < bestError)
                {
                    best = candidate;
                    bestError = error;
                }
            }
        }

        return best;
    }

    private static double Error(Result r, double p50, double mean, double p99) =>
        Sq((r.ModelP50Ns / p50) - 1) + Sq((r.ModelMeanNs / mean) - 1) + Sq((r.ModelP99Ns / p99) - 1);

    private static double Sq(double x) => x * x;
}

using NetPerf.Engine.Time;

namespace NetPerf.Samples.Queueing;

/// <summary>An M/G/1 FIFO queue: Poisson arrivals, one server, service times of a given distribution.</summary>
/// <param name="Utilisation">rho = lambda x E[S], strictly between 0 and 1 so that the queue is stable.</param>
/// <param name="MeanService">E[S].</param>
/// <param name="Service">Exponential (M/M/1) or deterministic (M/D/1).</param>
/// <param name="Customers">Customers measured after the warm-up.</param>
/// <param name="WarmupCustomers">Customers served first and discarded, so that the empty start does not bias Wq.</param>
/// <param name="Seed">Run seed; every random stream derives from it.</param>
public sealed record QueueParameters(
    double Utilisation,
    SimTime MeanService,
    ServiceDistribution Service,
    long Customers,
    long WarmupCustomers,
    ulong Seed)
{
    public void Validate()
    {
        if (!(Utilisation > 0 && Utilisation < 1))
        {
            throw new ArgumentOutOfRangeException(nameof(Utilisation), Utilisation, "utilisation must be strictly between 0 and 1 for a stable queue.");
        }

        if (MeanService <= SimTime.Zero)
        {
            throw new ArgumentOutOfRangeException(nameof(MeanService), MeanService, "the mean service time must be positive.");
        }

        if (Customers < 1000)
        {
            throw new ArgumentOutOfRangeException(nameof(Customers), Customers, "measure at least 1,000 customers (the confidence interval uses 32+ batches).");
        }

        if (WarmupCustomers < 0)
        {
            throw new ArgumentOutOfRangeException(nameof(WarmupCustomers), WarmupCustomers, "the warm-up cannot be negative.");
        }
    }

    /// <summary>
    /// Mean waiting time in queue by the Pollaczek-Khinchine formula, Wq = lambda E[S^2] / (2 (1 - rho)).
    /// E[S^2] is 2 E[S]^2 for exponential service (so Wq = rho E[S] / (1 - rho)) and E[S]^2 for deterministic.
    /// </summary>
    public double AnalyticWaitInQueueSeconds()
    {
        double s = MeanService.TotalSeconds;
        double lambda = Utilisation / s;
        double secondMoment = Service == ServiceDistribution.Exponential ? 2 * s * s : s * s;
        return lambda * secondMoment / (2 * (1 - Utilisation));
    }
}

namespace NetPerf.Kubernetes.Controllers;

/// <summary>
/// A Deployment's RollingUpdate strategy, as pod counts (percentages already resolved against the replicas:
/// maxSurge rounds up, maxUnavailable down, as the deployment controller's ResolveFenceposts does). Both 0 is
/// refused by the API server; the defaults are 25% each.
/// </summary>
public sealed record RollingUpdate(int MaxSurge, int MaxUnavailable)
{
    /// <summary>25% of <paramref name="replicas"/> each way (apps/v1 defaults).</summary>
    public static RollingUpdate Default(int replicas)
    {
        int surge = (replicas + 3) / 4;
        int unavailable = replicas / 4;
        return new RollingUpdate(surge == 0 && unavailable == 0 ? 1 : surge, unavailable);
    }
}

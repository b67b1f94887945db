namespace NetPerf.Kubernetes.Scheduling;

/// <summary>
/// One container's resources.requests: null where the container sets none. The filter adds what is set; the
/// LeastAllocated score counts an unset cpu as 100m and an unset memory as 200 MiB
/// (pkg/scheduler/util: DefaultMilliCPURequest, DefaultMemoryRequest), so pods without requests still spread.
/// </summary>
public readonly record struct ContainerRequests(long? MilliCpu, long? MemoryBytes)
{
    public const long DefaultMilliCpu = 100;
    public const long DefaultMemoryBytes = 200L * 1024 * 1024;
}

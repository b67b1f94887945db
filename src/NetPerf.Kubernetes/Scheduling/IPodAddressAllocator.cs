namespace NetPerf.Kubernetes.Scheduling;

/// <summary>
/// The CNI plugin's IPAM as the kubelet meets it after binding: the scheduler does not know it (no filter reads
/// IPAM), so a node whose IPAM is exhausted still receives pods, which then stay ContainerCreating.
/// </summary>
public interface IPodAddressAllocator
{
    /// <summary>Takes an address for a pod on <paramref name="node"/>; on failure, the CNI's error in <paramref name="failure"/>.</summary>
    bool TryAllocate(string node, out string? failure);
}

namespace NetPerf.Kubernetes.Cluster;

/// <summary>Pods coming and going while the cluster runs, as controllers watching the API server see them.</summary>
public sealed partial class KubernetesCluster
{
    /// <summary>A pod was created (<see cref="AddPod"/>), now; it is taken to be Ready at once.</summary>
    public event Action<Pod>? PodAdded;

    /// <summary>A pod was deleted (<see cref="RemovePod"/>), now.</summary>
    public event Action<Pod>? PodRemoved;

    /// <summary>
    /// Deletes a pod from the API, now: no selector matches it any more, so the EndpointSlice controller drops it.
    /// Its namespace, address and sockets stay up, as a terminating pod's do through its grace period
    /// (terminationGracePeriodSeconds, 30 s by default) while its processes finish what they serve; tearing its
    /// network down afterwards is not modelled, and its address is not given out again.
    /// </summary>
    public void RemovePod(string name)
    {
        var pod = Pod(name);
        _pods.Remove(name);
        foreach (var label in pod.Labels)
        {
            _byLabel[(label.Key, label.Value)].Remove(pod);
        }

        pod.Deleted = true;
        PodRemoved?.Invoke(pod);
    }
}

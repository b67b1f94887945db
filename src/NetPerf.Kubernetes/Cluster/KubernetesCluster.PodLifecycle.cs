namespace NetPerf.Kubernetes.Cluster;

/// <summary>Pods coming and going while the cluster runs, as controllers watching the API server see them.</summary>
public sealed partial class KubernetesCluster
{
    /// <summary>A pod was created (<see cref="AddPod"/>), now; it is taken to be Ready at once.</summary>
    public event Action<Pod>? PodAdded;

    /// <summary>A pod was deleted (<see cref="RemovePod"/>), now.</summary>
    public event Action<Pod>? PodRemoved;

    /// <summary>A pod's conditions changed (<see cref="MarkReady"/>, <see cref="MarkNotReady"/>, <see cref="BeginTermination"/>), now.</summary>
    public event Action<Pod>? PodChanged;

    /// <summary>The kubelet reports the pod's readiness probe passed: it becomes Ready, now.</summary>
    public void MarkReady(Pod pod)
    {
        if (pod.Ready || pod.Terminating)
        {
            return;
        }

        pod.Ready = true;
        PodChanged?.Invoke(pod);
    }

    /// <summary>
    /// The node lifecycle controller's MarkPodsNotReady, now: the pod's Ready condition false (its node stopped
    /// reporting), so its EndpointSlice entry turns ready: false and serving: false.
    /// </summary>
    public void MarkNotReady(Pod pod)
    {
        if (!pod.Ready)
        {
            return;
        }

        pod.Ready = false;
        PodChanged?.Invoke(pod);
    }

    /// <summary>
    /// A delete request for the pod, now: the API server sets its deletionTimestamp and it starts terminating
    /// (its EndpointSlice entry turns ready: false, terminating: true; serving stays as its readiness was). The
    /// object stays until <see cref="RemovePod"/> (its containers exited or the grace period ran out).
    /// </summary>
    public void BeginTermination(Pod pod)
    {
        if (pod.Terminating)
        {
            return;
        }

        pod.Terminating = true;
        PodChanged?.Invoke(pod);
    }

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

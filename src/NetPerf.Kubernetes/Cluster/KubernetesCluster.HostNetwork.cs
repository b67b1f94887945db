namespace NetPerf.Kubernetes.Cluster;

public sealed partial class KubernetesCluster
{
    /// <summary>
    /// Schedules a hostNetwork pod on node <paramref name="node"/>: no namespace, veth or address of its own and
    /// nothing for the CNI plugin to do; its containers bind in the node's root namespace, so its endpoint
    /// address is the node's IP, and its ports share the node's (two such pods cannot both listen on one port).
    /// </summary>
    public Pod AddHostNetworkPod(string name, int node, IReadOnlyDictionary<string, string>? labels = null)
    {
        if (_pods.ContainsKey(name))
        {
            throw new ArgumentException($"a pod named '{name}' already exists.", nameof(name));
        }

        var n = Node(node);
        var pod = new Pod(name, n, n.Root, n.Ip, null, labels ?? new Dictionary<string, string>());
        n.Add(pod);
        _pods.Add(name, pod);
        foreach (var label in pod.Labels)
        {
            if (!_byLabel.TryGetValue((label.Key, label.Value), out var list))
            {
                _byLabel[(label.Key, label.Value)] = list = [];
            }

            list.Add(pod);
        }

        return pod;
    }
}

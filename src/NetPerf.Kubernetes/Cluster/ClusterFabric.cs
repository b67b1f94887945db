namespace NetPerf.Kubernetes.Cluster;

/// <summary>What joins a cluster's nodes.</summary>
public enum ClusterFabric
{
    /// <summary>Machines with physical NICs cabled to one L2 switch (or to racks of them).</summary>
    Switch,

    /// <summary>
    /// Nodes are containers on one host, as kind, k3d and minikube build them: each node's eth0 is a veth whose
    /// peer is a port of a Linux bridge on the host, and every node runs on the host's cores (<see cref="Fabric.KindNetwork"/>).
    /// </summary>
    Kind,
}

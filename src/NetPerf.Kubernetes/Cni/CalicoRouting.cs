namespace NetPerf.Kubernetes.Cni;

/// <summary>How Calico's nodes come to have each other's block routes.</summary>
public enum CalicoRouting
{
    /// <summary>Installed when the cluster is built, as BGP leaves them once converged: no control plane runs.</summary>
    Static,

    /// <summary>Learned only through BGP sessions between the nodes' speakers (<see cref="Bgp.BgpControlPlane"/>).</summary>
    Bgp,
}

namespace NetPerf.Kubernetes.Cni;

/// <summary>When a Calico pool with encapsulation encapsulates (the pool's ipipMode / vxlanMode value).</summary>
public enum CalicoEncapsulationMode
{
    /// <summary>To every other node.</summary>
    Always,

    /// <summary>Only to nodes on another subnet; to a node of the node's own subnet, routed directly on eth0.</summary>
    CrossSubnet,
}

namespace NetPerf.Kubernetes.Cni;

/// <summary>How a Calico IP pool carries pod traffic between nodes (its ipipMode / vxlanMode).</summary>
public enum CalicoEncapsulation
{
    /// <summary>Neither mode set: packets leave unencapsulated, routed by the pod address (calico-bgp).</summary>
    None,

    /// <summary>ipipMode: IP-in-IP through tunl0 (+20 B).</summary>
    Ipip,

    /// <summary>vxlanMode: VXLAN through vxlan.calico (+50 B), routes programmed by felix rather than BIRD.</summary>
    Vxlan,
}

namespace NetPerf.Kubernetes.Cni.Cilium;

/// <summary>How Cilium carries a pod's packet to another node (its routingMode and tunnelProtocol).</summary>
public enum CiliumRouting
{
    /// <summary>
    /// routingMode: native with autoDirectNodeRoutes: each node's pod CIDR routed via that node's address on eth0,
    /// no encapsulation, so the nodes must share one L2 segment (Documentation/network/concepts/routing.rst).
    /// </summary>
    Native,

    /// <summary>routingMode: tunnel, tunnelProtocol: vxlan (Cilium's default): cilium_vxlan, UDP 8472, 50 bytes of headers.</summary>
    Vxlan,

    /// <summary>
    /// routingMode: tunnel, tunnelProtocol: geneve: cilium_geneve (drivers/net/geneve.c, metadata mode), UDP 6081,
    /// the same 50 bytes of headers as VXLAN's (no Geneve options: Cilium adds one only for DSR's Geneve dispatch).
    /// </summary>
    Geneve,
}

namespace NetPerf.Kubernetes.Cni;

/// <summary>How Weave Net's weavers carry frames between peers (weaveworks/weave net/bridge.go bridge types, router/overlay_switch.go).</summary>
public enum WeaveMode
{
    /// <summary>
    /// The default, "BridgedFastdp": the kernel's Open vSwitch datapath with VXLAN on UDP 6784, each connection
    /// falling back to sleeve where fastdp's heartbeats do not arrive.
    /// </summary>
    Fastdp,

    /// <summary>
    /// WEAVE_NO_FASTDP (weave-kube's --no-fastdp), the "Bridge" type: no datapath; the weaver captures frames with
    /// pcap on vethwe-pcap and carries every connection in sleeve, its user-space encapsulation on UDP 6783.
    /// </summary>
    Sleeve,
}

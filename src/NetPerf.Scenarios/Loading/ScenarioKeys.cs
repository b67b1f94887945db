namespace NetPerf.Scenarios.Loading;

/// <summary>The keys each part of a scenario file allows: one list for the reader and for the test that holds the JSON Schema to it.</summary>
internal static class ScenarioKeys
{
    public static readonly string[] Root =
        ["name", "description", "seed", "duration", "warmup", "interval", "together", "replications", "cluster", "costProfile", "costFile", "costs", "deployments", "services", "networkPolicies", "manifests", "workloads", "compare", "baseline", "bgp", "timeline"];

    public static readonly string[] Cluster = ["nodes", "racks", "spines", "coresPerNode", "maxPods", "podsPerCore", "memoryGiBPerNode", "zones", "interZoneDelay", "nodeLabels", "nodeTaints", "cni", "kubeProxy", "mtu", "podMtu", "vxlanDf", "icmpFragmentationNeeded", "staleUdpConntrack", "masqueradePorts", "nic", "linkDelay", "serviceCidr", "clusterCidr", "nodeCidrMaskSize", "nodeSubnet", "fabric", "bridgeNetfilter", "iptables", "tcpPacing", "conntrackMax", "conntrackTimeouts", "minSyncPeriod", "nodeMonitorGracePeriod", "defaultUnreachableTolerationSeconds", "calico", "cilium", "kernel", "coreDnsReplicas", "resolver", "nodeLocalDns"];
    public static readonly string[] Calico = ["routeReflectors"];
    public static readonly string[] Cilium = ["kubeProxyReplacement", "bpfMasquerade", "hostRouting", "loadBalancerMode", "loadBalancerAlgorithm", "maglevTableSize", "ctTcpMax", "ctAnyMax", "natMax", "mapDynamicSizeRatio", "bigTcp", "conntrackGCInterval", "ctTimeoutRegularTcp", "ctTimeoutRegularTcpFin", "ctTimeoutRegularTcpSyn", "ctTimeoutRegularAny", "ctTimeoutServiceTcp", "ctTimeoutServiceAny"];
    public static readonly string[] ConntrackTimeouts = ["tcpSynSent", "tcpSynRecv", "tcpEstablished", "tcpFinWait", "tcpCloseWait", "tcpLastAck", "tcpTimeWait", "tcpClose", "udp", "udpStream"];
    public static readonly string[] Nic = ["gbps", "offloads"];
    public static readonly string[] Cost = ["fixedNs", "nsPerByte"];
    public static readonly string[] Deployment = ["name", "replicas", "labels", "nodes", "maxSurge", "maxUnavailable", "readinessDelay", "preStopSleep", "terminationGracePeriod", "count", "nodeSelector", "requests", "antiAffinity", "tolerations"];
    public static readonly string[] Requests = ["cpu", "memory"];
    public static readonly string[] Service = ["name", "type", "selector", "port", "targetPort", "count", "externalTrafficPolicy", "protocol"];
    public static readonly string[] Workload = ["name", "test", "request", "response", "clients", "paths", "from", "to", "placement", "rateGbps", "rate", "arrivals", "timeout", "serviceTime", "serviceDistribution", "service"];
    public static readonly string[] Compare = ["cni", "kubeProxy", "services", "messageBytes", "conntrackMax", "preStopSleep", "kernel", "resolver", "podMtu", "icmpFragmentationNeeded", "staleUdpConntrack", "masqueradePorts"];
    public static readonly string[] Timeline = ["at", "action", "deployment", "pod", "replicas", "node", "networkPolicy", "service", "workload", "externalTrafficPolicy"];
    public static readonly string[] NetworkPolicy = ["name", "podSelector", "ingress", "count"];
    public static readonly string[] PolicyRule = ["from", "ports"];
    public static readonly string[] PolicyPeer = ["podSelector", "ipBlock"];
    public static readonly string[] Bgp = ["nodes", "topology", "reflectors", "hold", "ipip", "failNode", "failAt", "joinAt"];
}

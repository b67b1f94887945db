namespace NetPerf.Scenarios.Running;

/// <summary>
/// The pods and Services every run measures with, placed so that each path means one thing: the client and a
/// local server on node 1, the remote server (the Service's only endpoint) and CoreDNS on node 2, an outside
/// client on the switch. A scenario's own deployments and Services come on top.
/// </summary>
public static class ClusterLayout
{
    public const string Client = "client";
    public const string LocalServer = "web-0";
    public const string RemoteServer = "web-1";
    public const string CoreDns = "coredns";
    public const string Outside = "outside";

    /// <summary>The host beyond the cluster's edge: an external workload's server or client.</summary>
    public const string Remote = "remote";

    /// <summary>The host network paths' hostNetwork pods: the client on node 1, the server on node 2 (node-to-node) or node 1 (node-local).</summary>
    public const string HostClient = "host-client";
    public const string HostServer = "host-server";

    /// <summary>The measured Service: ClusterIP and NodePort, its one endpoint the remote server.</summary>
    public const string Service = "web";
    public const string HeadlessService = "web-headless";
    public const string KubeDns = "kube-dns";

    public const ushort ServerPort = 8080;
    public const ushort ServicePort = 80;
    public const ushort NodePort = 30080;

    /// <summary>Offsets in the service CIDR: kube-dns at .10 as kubeadm puts it, the measured Service at .20, scenario Services from .100.</summary>
    public const int KubeDnsOffset = 10;
    public const int ServiceOffset = 20;
    public const int FirstScenarioService = 100;
    public const int ReservedServiceIps = FirstScenarioService;

    /// <summary>Node ports 30000-32767 less the measured one.</summary>
    public const int FreeNodePorts = 32767 - 30000;

    public static readonly IReadOnlyList<string> PodNames = [Client, LocalServer, RemoteServer, CoreDns];
    public static readonly IReadOnlyList<string> ServiceNames = [Service, HeadlessService, KubeDns];

    /// <summary>Labels the measured client pod carries (a NetworkPolicy's rule may allow it).</summary>
    public static readonly IReadOnlyDictionary<string, string> ClientLabels = new Dictionary<string, string> { ["app"] = "netperf-client" };

    /// <summary>Labels both measured servers carry (a scenario's Services may select them).</summary>
    public static readonly IReadOnlyDictionary<string, string> ServerLabels = new Dictionary<string, string> { ["app"] = "netperf-server" };

    /// <summary>Only the remote server carries this too: the measured Services select it, so they have one endpoint across nodes.</summary>
    public static readonly IReadOnlyDictionary<string, string> RemoteSelector =
        new Dictionary<string, string> { ["app"] = "netperf-server", ["netperf/role"] = "remote" };

    /// <summary>What kube-dns selects: the CoreDNS pod.</summary>
    public static readonly IReadOnlyDictionary<string, string> KubeDnsSelector = new Dictionary<string, string> { ["k8s-app"] = "kube-dns" };

    /// <summary>The node each measured pod is on, in <see cref="PodNames"/> order.</summary>
    public static readonly IReadOnlyList<int> MeasuredPodNodes = [1, 1, 2, 2];
}

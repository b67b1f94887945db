using System.Text.RegularExpressions;
using NetPerf.Engine.IO;
using NetPerf.Engine.Time;
using NetPerf.Kubernetes.Services;
using NetPerf.Network.Addressing;
using NetPerf.Network.Cpu;
using NetPerf.Scenarios.Model;
using ServiceType = NetPerf.Scenarios.Model.ServiceType;
using YamlDotNet.Core;
using YamlDotNet.RepresentationModel;

namespace NetPerf.Scenarios.Loading;

/// <summary>
/// Reads a scenario file into a <see cref="Scenario"/>, or fails with every problem found, each with
/// file:line:column, what is wrong and what is allowed. The keys are those of <c>scenarios/scenario.schema.json</c>.
/// </summary>
public static partial class ScenarioReader
{
    public static readonly SimTime MaxDuration = SimTime.FromSeconds(60);

    /// <summary>The largest scenario file read; the shipped ones are a few kilobytes.</summary>
    public const long MaxFileBytes = 4L << 20;

    /// <summary>
    /// Reads and checks a file; warnings (things allowed but probably not meant) go to <paramref name="warnings"/>.
    /// Files the scenario names (its costFile) must be in its folder unless <paramref name="allowOutside"/>. A
    /// scenario one of whose simulations would need more than <paramref name="maxMemory"/> bytes (default
    /// <see cref="Estimation.ScenarioEstimate.DefaultMaxMemory"/>) is refused with its estimate.
    /// </summary>
    public static Scenario Load(string path, List<string>? warnings = null, bool allowOutside = false, IReadOnlyList<string>? manifests = null, long? maxMemory = null)
    {
        string text;
        try
        {
            text = BoundedFile.ReadText(path, MaxFileBytes);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            string why = Directory.Exists(path) ? "it is a directory; give a scenario file, e.g. scenarios/cluster-ip.yaml" : e.Message;
            throw new ScenarioException([new ScenarioError(path, 1, 1, $"cannot read the scenario: {why}")]);
        }

        return Parse(text, path, warnings, allowOutside, manifests, maxMemory);
    }

    /// <summary>
    /// Reads a scenario's text; <paramref name="manifests"/> (netperf run --manifests) are files, directories or
    /// globs the user named on the command line, taken from the working directory and not confined.
    /// </summary>
    public static Scenario Parse(string text, string file, List<string>? warnings = null, bool allowOutside = false, IReadOnlyList<string>? manifests = null, long? maxMemory = null)
    {
        var d = new Diagnostics(file, text);
        if (text.Length > MaxFileBytes)
        {
            throw new ScenarioException([new ScenarioError(file, 1, 1, $"the scenario has {text.Length:N0} characters; at most {MaxFileBytes:N0} are read")]);
        }

        var document = ReadYaml(text, d);
        var root = YamlMap.Of(document, "", d, ScenarioKeys.Root);
        if (root is null)
        {
            throw new ScenarioException(d.Errors);
        }

        if (!root.Has("bgp"))
        {
            root.Require("workloads");
        }
        string name = root.String("name") ?? Path.GetFileNameWithoutExtension(file);
        if (!DnsLabel().IsMatch(name))
        {
            d.Error(root["name"] ?? root.Node, $"name: {Printable.Quote(name)} names the results folder; use lower-case letters, digits and '-' (at most 63)");
        }

        var cluster = ReadCluster(YamlMapOrNull(root, "cluster", d, ScenarioKeys.Cluster), d);
        var scenario = new Scenario
        {
            Name = name,
            Description = root.String("description", "")!,
            SourceFile = file,
            SourceText = text,
            Seed = (ulong)root.Integer("seed", 0, long.MaxValue, 1),
            Duration = root.Duration("duration", SimTime.FromMicroseconds(100), MaxDuration, SimTime.FromMilliseconds(100)),
            WarmUp = root.Duration("warmup", SimTime.Zero, MaxDuration, SimTime.FromMilliseconds(10)),
            // At least 100 us, so timeseries.csv holds at most 600,000 rows a unit (60 s / 100 us).
            Interval = root.Duration("interval", SimTime.FromMicroseconds(100), MaxDuration, SimTime.FromMilliseconds(10)),
            Replications = (int)root.Integer("replications", 1, 100, 1),
            Together = root.Boolean("together", false),
            Cluster = cluster,
            CostProfile = root.Has("costProfile") ? root.Choice("costProfile", Choices.CostProfiles, "physical") : null,
            CostFile = root.String("costFile"),
            Costs = ReadCosts(root, d),
            Deployments = root.List("deployments").Select((n, i) => ReadDeployment(n, $"deployments[{i}]", d)).OfType<DeploymentSpec>().ToList(),
            Services = root.List("services").Select((n, i) => ReadService(n, $"services[{i}]", d)).OfType<ServiceSpec>().ToList(),
            NetworkPolicies = root.List("networkPolicies").Select((n, i) => ReadPolicy(n, $"networkPolicies[{i}]", d)).OfType<NetworkPolicySpec>().ToList(),
            Workloads = root.List("workloads").Select((n, i) => ReadWorkload(n, $"workloads[{i}]", d)).OfType<WorkloadSpec>().ToList(),
            Compare = ReadCompare(YamlMapOrNull(root, "compare", d, ScenarioKeys.Compare), d),
            Baseline = root.String("baseline"),
            Bgp = root["bgp"] is { } bgp ? ReadBgp(YamlMap.Of(bgp, "bgp", d, ScenarioKeys.Bgp), cluster.BgpPeering, d) : null,
            Timeline = ReadTimeline(root, d),
        };

        var manifestErrors = new List<ScenarioError>();
        scenario = ReadManifests(scenario, root, d, allowOutside, manifests ?? [], manifestErrors);
        if (scenario.Manifests.Objects.Count > 0 && manifestErrors.Count == 0)
        {
            scenario = scenario with { Objects = Manifests.ManifestCluster.Map(scenario.Manifests, scenario.Cluster, manifestErrors, d.Warnings, scenario.Seed) };
            Manifests.ManifestChecks.Check(scenario, manifestErrors, d.Warnings);
        }

        if (manifestErrors.Count == 0)
        {
            scenario = RouteResolver.Resolve(scenario, document, d);
        }

        foreach (var ignored in scenario.Manifests.Ignored)
        {
            d.Warnings.Add(Printable.Escape($"{ignored.File}:{ignored.Line}:1: warning: {ignored.Kind} '{ignored.Name}' ({ignored.ApiVersion}) ignored: the simulation does not use this kind"));
        }

        ScenarioChecks.Check(scenario, document, d, allowOutside, maxMemory ?? Estimation.ScenarioEstimate.DefaultMaxMemory);
        if (d.Errors.Count > 0 || manifestErrors.Count > 0)
        {
            throw new ScenarioException([.. d.Errors.OrderBy(e => e.Line).ThenBy(e => e.Column), .. manifestErrors]);
        }

        warnings?.AddRange(d.Warnings);
        return scenario;
    }

    /// <summary>
    /// The file's one document, or a located error. YamlDotNet throws more than YamlException on bad input
    /// (InvalidOperationException, ArgumentException, ArgumentNullException ...): at this boundary every
    /// exception it throws is the file's fault and is reported at the last place the parser reached.
    /// </summary>
    private static YamlNode ReadYaml(string text, Diagnostics d)
    {
        var stream = new YamlStream();
        var parser = new LimitedParser(text);
        try
        {
            stream.Load(parser);
        }
        catch (YamlException e)
        {
            string message = e.InnerException?.Message ?? e.Message;
            throw new ScenarioException([d.At(e.Start, $"not valid YAML: {Clean(message)}")]);
        }
        catch (Exception e) when (e is not (OutOfMemoryException or ScenarioException))
        {
            throw new ScenarioException([d.At(parser.Last, $"not valid YAML: {Clean(e.Message)}")]);
        }

        if (stream.Documents.Count != 1)
        {
            throw new ScenarioException([d.At(Mark.Empty, $"expected one YAML document; found {stream.Documents.Count}")]);
        }

        return stream.Documents[0].RootNode;
    }

    /// <summary>The scenario's manifests (confined to its folder unless allowed out) and the command line's, read into one set.</summary>
    private static Scenario ReadManifests(Scenario scenario, YamlMap root, Diagnostics d, bool allowOutside, IReadOnlyList<string> extra, List<ScenarioError> errors)
    {
        var nodes = root.List("manifests");
        var patterns = new List<string>();
        var at = new List<YamlNode?>();
        foreach (var node in nodes)
        {
            if (node is YamlScalarNode { Value: { Length: > 0 } p })
            {
                patterns.Add(p);
                at.Add(node);
            }
            else
            {
                d.Error(node, $"manifests: expected a path or a glob (app/*.yaml); found {YamlMap.Describe(node)}");
            }
        }

        if (patterns.Count == 0 && extra.Count == 0)
        {
            return scenario;
        }

        string folder = scenario.ResolvePath(".");
        var sources = new List<Manifests.ManifestSource>();
        sources.AddRange(patterns.Select((p, i) => new Manifests.ManifestSource(p, folder, allowOutside ? null : folder, at[i])));
        sources.AddRange(extra.Select(p => new Manifests.ManifestSource(p, Directory.GetCurrentDirectory(), null, null)));
        var set = Manifests.ManifestReader.Read(sources, d, errors);
        return scenario with { ManifestPatterns = patterns, Manifests = set };
    }

    private static YamlMap? YamlMapOrNull(YamlMap parent, string key, Diagnostics d, params string[] keys) =>
        parent[key] is { } node ? YamlMap.Of(node, parent.Where(key), d, keys) : null;

    private static ClusterSpec ReadCluster(YamlMap? m, Diagnostics d)
    {
        var c = new ClusterSpec();
        if (m is null)
        {
            // Cilium's maps are sized by the default nodes' memory even when nothing of the cluster is given.
            return c with { Cilium = ReadCilium(null, d, c.NodeMemoryGiB) };
        }

        var nic = m["nic"] is { } n ? YamlMap.Of(n, "cluster.nic", d, ScenarioKeys.Nic) : null;
        var cidr = Prefix(m, "serviceCidr", "10.96.0.0/12", c.ServiceCidr, d);
        var clusterCidr = Prefix(m, "clusterCidr", "10.244.0.0/16", c.ClusterCidr, d);

        var fabric = m.Choice("fabric", Choices.Fabrics, "switch") == "kind" ? Kubernetes.Cluster.ClusterFabric.Kind : Kubernetes.Cluster.ClusterFabric.Switch;
        var nodeSubnet = Prefix(m, "nodeSubnet", "192.168.0.0/19", c.NodeSubnet, d);
        // The node subnet sets the cap (3,840 in the default /20): a count past it that a wider subnet would hold is
        // left to the checks, which say which subnet holds it; anything else is read against the subnet's cap.
        int cap = nodeSubnet.Length is >= Kubernetes.Cluster.KubernetesCluster.WidestNodeSubnet and <= Kubernetes.Cluster.KubernetesCluster.NarrowestNodeSubnet
            ? Kubernetes.Cluster.KubernetesCluster.MaxNodesOn(nodeSubnet) : Kubernetes.Cluster.KubernetesCluster.MaxNodes;
        bool wider = m["nodes"] is YamlScalarNode { Value: { } text } && long.TryParse(text, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out long asked)
            && asked > cap && asked <= Kubernetes.Cluster.KubernetesCluster.MaxNodesAnySubnet;
        var built = c with
        {
            InterZoneDelay = m.Duration("interZoneDelay", SimTime.Zero, SimTime.FromMilliseconds(100), c.InterZoneDelay),
            Nodes = (int)m.Integer("nodes", 2, wider ? Kubernetes.Cluster.KubernetesCluster.MaxNodesAnySubnet : cap, c.Nodes),
            Racks = (int)m.Integer("racks", 1, Kubernetes.Fabric.RackAddressing.MostRacks, c.Racks),
            Spines = (int)m.Integer("spines", 1, Kubernetes.Fabric.RackAddressing.MaxSpines, c.Spines),
            CoresPerNode = (int)m.Integer("coresPerNode", 1, 256, c.CoresPerNode),
            MaxPods = (int)m.Integer("maxPods", 1, MaxPodsPerNode, c.MaxPods),
            PodsPerCore = (int)m.Integer("podsPerCore", 0, MaxPodsPerNode, c.PodsPerCore),
            MemoryGiBPerNode = m.Has("memoryGiBPerNode") ? m.Number("memoryGiBPerNode", 0.125, 65_536, 16) : null,
            Zones = (int)m.Integer("zones", 0, Kubernetes.Cluster.KubernetesCluster.MaxNodes, c.Zones),
            NodeLabels = PlacementKeys.NodeLabels(m, d),
            NodeTaints = PlacementKeys.NodeTaints(m, d),
            Cni = Kubernetes.Cni.CniPlugins.Get(m.Choice("cni", Choices.Cni, c.Cni.Name)),
            KubeProxy = Kubernetes.Services.KubeProxyMode.Get(m.Choice("kubeProxy", Choices.KubeProxy, c.KubeProxy.Name)),
            Mtu = (int)m.Integer("mtu", 1280, 9000, c.Mtu),
            PodMtu = PodMtuOf(m["podMtu"], "cluster.podMtu", d) ?? c.PodMtu,
            VxlanDf = Choices.VxlanDfOf(m.Choice("vxlanDf", Choices.VxlanDf, Choices.VxlanDf[(int)c.VxlanDf])),
            IcmpFragmentationNeeded = Choices.IcmpFragmentationNeededOf(m.Choice("icmpFragmentationNeeded", Choices.IcmpFragmentationNeeded, Choices.IcmpFragmentationNeeded[(int)c.IcmpFragmentationNeeded])),
            StaleUdpConntrack = Choices.StaleUdpConntrackOf(m.Choice("staleUdpConntrack", Choices.StaleUdpConntrack, Choices.StaleUdpConntrack[(int)c.StaleUdpConntrack])),
            MasqueradePorts = Choices.MasqueradePortsOf(m.Choice("masqueradePorts", Choices.MasqueradePorts, Choices.MasqueradePorts[(int)c.MasqueradePorts])),
            NicGigabits = nic?.Number("gbps", 0.001, 800, c.NicGigabits) ?? c.NicGigabits,
            Offloads = (nic?.Choice("offloads", Choices.Offloads, "all") ?? "all") == "all",
            LinkDelay = m.Duration("linkDelay", SimTime.Zero, SimTime.FromMilliseconds(100), c.LinkDelay),
            ServiceCidr = cidr,
            ClusterCidr = clusterCidr,
            NodeCidrMaskSize = (int)m.Integer("nodeCidrMaskSize", 8, Kubernetes.Cluster.KubernetesCluster.LongestNodeMask, c.NodeCidrMaskSize),
            NodeSubnet = nodeSubnet,
            Fabric = fabric,
            BridgeNetfilter = m.Boolean("bridgeNetfilter", c.BridgeNetfilter),
            Iptables = m.Choice("iptables", Choices.IptablesBackends, "nft") == "legacy" ? Network.Netfilter.IptablesBackend.Legacy : Network.Netfilter.IptablesBackend.Nft,
            TcpInternalPacing = m.Choice("tcpPacing", Choices.TcpPacing, "off") == "internal",
            ConntrackMax = m.Has("conntrackMax") ? (int)m.Integer("conntrackMax", 1, MaxConntrack, Network.Netfilter.Conntrack.DefaultMax) : null,
            MinSyncPeriod = m.Duration("minSyncPeriod", SimTime.Zero, SimTime.FromSeconds(60), c.MinSyncPeriod),
            NodeMonitorGracePeriod = m.Duration("nodeMonitorGracePeriod", SimTime.FromMilliseconds(1), SimTime.FromSeconds(3600), c.NodeMonitorGracePeriod),
            DefaultUnreachableTolerationSeconds = SimTime.FromSeconds(m.Integer("defaultUnreachableTolerationSeconds", 0, 86_400, (long)(c.DefaultUnreachableTolerationSeconds.Picoseconds / 1_000_000_000_000))),
            Kernel = KernelLine.Get(m.Choice("kernel", Choices.Kernels, c.Kernel.Name)),
            CoreDnsReplicas = (int)m.Integer("coreDnsReplicas", 1, 64, c.CoreDnsReplicas),
            Resolver = Choices.Resolver(m.Choice("resolver", Choices.Resolvers, Choices.Name(c.Resolver))),
            NodeLocalDns = m.Boolean("nodeLocalDns", c.NodeLocalDns),
            ConntrackTimeouts = ReadConntrackTimeouts(m["conntrackTimeouts"] is { } t ? YamlMap.Of(t, "cluster.conntrackTimeouts", d, ScenarioKeys.ConntrackTimeouts) : null, c.ConntrackTimeouts),
            BgpPeering = YamlMapOrNull(m, "calico", d, ScenarioKeys.Calico) is { } calico && calico.Has("routeReflectors")
                ? Kubernetes.Bgp.BgpPeering.Reflected((int)calico.Integer("routeReflectors", 1, MaxRouteReflectors, 2))
                : c.BgpPeering,
        };
        // After the rest: the maps' dynamic sizing reads the nodes' memory.
        built = built with { Cilium = ReadCilium(YamlMapOrNull(m, "cilium", d, ScenarioKeys.Cilium), d, built.NodeMemoryGiB) };
        if (built.InterZoneDelay > SimTime.Zero && (built.Zones < 2 || built.Racks != built.Zones) && !d.IsRefused("cluster.zones", "cluster.racks"))
        {
            // The delay is put on the racks' uplinks to the spine (RackFabric), so each zone must be a rack of its own.
            d.Error(m["interZoneDelay"], $"cluster.interZoneDelay: a delay between zones needs each zone on a rack of its own: zones of 2 or more and racks equal to zones (here zones {built.Zones}, racks {built.Racks}); node N is then in rack and zone ((N - 1) mod zones) + 1");
        }

        return built;
    }

    /// <summary>The most route reflectors a cluster may name: the bgp block's cap (a handful is what Calico deployments run).</summary>
    internal const int MaxRouteReflectors = 16;

    private static readonly string[] HostRoutings = ["legacy", "ebpf"];
    private static readonly string[] LoadBalancerModes = ["snat", "dsr", "hybrid"];
    private static readonly string[] BackendSelections = ["random", "maglev"];
    private static readonly string[] MaglevTableSizes = [.. Kubernetes.Cni.Cilium.CiliumMaglev.TableSizes.Select(n => n.ToString(System.Globalization.CultureInfo.InvariantCulture))];

    /// <summary>
    /// cluster.cilium. eBPF host routing needs kube-proxy replacement and BPF masquerade: without them Cilium's
    /// agent falls back to legacy host routing (daemon/cmd/kube_proxy_replacement.go, "BPF host routing requires
    /// ... falling back to legacy host routing"), and so does this, with a warning at the line.
    /// </summary>
    private static CiliumSpec ReadCilium(YamlMap? m, Diagnostics d, double memoryGiB)
    {
        if (m is null)
        {
            return MapSizes(null, d, memoryGiB, new CiliumSpec());
        }

        bool kpr = m.Boolean("kubeProxyReplacement", false);
        bool masquerade = m.Boolean("bpfMasquerade", false);
        bool ebpf = m.Choice("hostRouting", HostRoutings, "legacy") == "ebpf";
        if (ebpf && !(kpr && masquerade))
        {
            string missing = string.Join(" and ", new[] { kpr ? null : "kubeProxyReplacement: true", masquerade ? null : "bpfMasquerade: true" }.OfType<string>());
            d.Warning(m["hostRouting"], $"cluster.cilium.hostRouting: eBPF host routing needs {missing}; Cilium's agent falls back to legacy host routing without them, and so does this run");
            ebpf = false;
        }

        var mode = Enum.Parse<Kubernetes.Cni.Cilium.CiliumLoadBalancerMode>(m.Choice("loadBalancerMode", LoadBalancerModes, "snat"), ignoreCase: true);
        var selection = Enum.Parse<Kubernetes.Cni.Cilium.CiliumBackendSelection>(m.Choice("loadBalancerAlgorithm", BackendSelections, "random"), ignoreCase: true);
        int tableSize = int.Parse(m.Choice("maglevTableSize", MaglevTableSizes, "16381"), System.Globalization.CultureInfo.InvariantCulture);
        if (!kpr)
        {
            // Without kube-proxy replacement kube-proxy serves the NodePorts, and Cilium's BPF NodePort is off.
            foreach (var key in new[] { "loadBalancerMode", "loadBalancerAlgorithm", "maglevTableSize" })
            {
                if (m[key] is { } given)
                {
                    d.Warning(given, $"cluster.cilium.{key}: applies to Cilium's NodePort in tc BPF, which runs only with kubeProxyReplacement: true; without it kube-proxy serves the NodePorts and this has no effect");
                }
            }
        }
        else if (selection != Kubernetes.Cni.Cilium.CiliumBackendSelection.Maglev && m["maglevTableSize"] is { } size)
        {
            d.Warning(size, "cluster.cilium.maglevTableSize: sizes Maglev's lookup table, which is used only with loadBalancerAlgorithm: maglev");
        }

        // pkg/datapath/linux/bigtcp validateConfig: the agent refuses to start with BIG TCP and legacy host routing
        // (tunnelling, the other refusal, is a variant's, checked with the variants).
        bool bigTcp = m.Boolean("bigTcp", false);
        if (bigTcp && !ebpf)
        {
            string needs = kpr && masquerade ? "hostRouting: ebpf" : $"hostRouting: ebpf, which needs kubeProxyReplacement: true and bpfMasquerade: true";
            d.Refuse(m["bigTcp"], "cluster.cilium.bigTcp", $"cluster.cilium.bigTcp: Cilium's agent refuses BIG TCP with legacy host routing (\"BIG TCP is not supported with legacy host routing\", pkg/datapath/linux/bigtcp); it needs {needs}, and native routing (cilium-native)");
            bigTcp = false;
        }

        return MapSizes(m, d, memoryGiB, new CiliumSpec
        {
            ConntrackTimeouts = ConntrackTimeouts(m),
            BigTcp = bigTcp,
            KubeProxyReplacement = kpr,
            BpfMasquerade = masquerade,
            HostRouting = ebpf ? Kubernetes.Cni.Cilium.CiliumHostRouting.Ebpf : Kubernetes.Cni.Cilium.CiliumHostRouting.Legacy,
            LoadBalancerMode = mode,
            BackendSelection = selection,
            MaglevTableSize = tableSize,
        });
    }

    /// <summary>
    /// cluster.cilium's conntrack lifetimes (the agent's bpf-ct-timeout-* flags) and its garbage collector's interval
    /// (Helm's conntrackGCInterval; absent or 0s: the agent's adaptive schedule), each a duration of 1 s to 12 h.
    /// </summary>
    private static Kubernetes.Cni.Cilium.CiliumConntrackTimeouts ConntrackTimeouts(YamlMap? m)
    {
        var t = Kubernetes.Cni.Cilium.CiliumConntrackTimeouts.Default;
        if (m is null)
        {
            return t;
        }

        SimTime min = SimTime.FromSeconds(1), max = SimTime.FromSeconds(12 * 3600);
        return t with
        {
            RegularTcp = m.Duration("ctTimeoutRegularTcp", min, max, t.RegularTcp),
            RegularTcpFin = m.Duration("ctTimeoutRegularTcpFin", min, max, t.RegularTcpFin),
            RegularTcpSyn = m.Duration("ctTimeoutRegularTcpSyn", min, max, t.RegularTcpSyn),
            RegularAny = m.Duration("ctTimeoutRegularAny", min, max, t.RegularAny),
            ServiceTcp = m.Duration("ctTimeoutServiceTcp", min, max, t.ServiceTcp),
            ServiceAny = m.Duration("ctTimeoutServiceAny", min, max, t.ServiceAny),
            GcInterval = m.String("conntrackGCInterval") is "0" or "0s" ? SimTime.Zero : m.Duration("conntrackGCInterval", min, max, t.GcInterval),
        };
    }

    /// <summary>
    /// cluster.cilium's map sizes (Helm's bpf.ctTcpMax, bpf.ctAnyMax, bpf.natMax, bpf.mapDynamicSizeRatio): those given,
    /// the rest derived from the nodes' memory (<see cref="ClusterSpec.NodeMemoryGiB"/>: cluster.memoryGiBPerNode, else
    /// 4 GiB a core) by the ratio, 0.0025 unless given, as the agent derives them whenever the ratio is above 0 (Helm's
    /// default bpf.mapDynamicSizeRatio, pkg/maps/mapsize); a ratio of 0 keeps the fixed defaults. A NAT map larger than
    /// the two conntrack maps together is refused, as the agent refuses it (checkMapSizeLimits), unless it is the
    /// derived or default one, which is then cut to two thirds of them.
    /// </summary>
    private static CiliumSpec MapSizes(YamlMap? m, Diagnostics d, double memoryGiB, CiliumSpec spec)
    {
        const int min = Kubernetes.Cni.Cilium.CiliumMapSizes.MinEntries, max = Kubernetes.Cni.Cilium.CiliumMapSizes.MaxEntries;
        int? Entries(string key) => m is not null && m.Has(key) ? (int)m.Integer(key, min, max, min) : null;
        int? tcp = Entries("ctTcpMax"), any = Entries("ctAnyMax"), nat = Entries("natMax");
        double ratio = m?.Number("mapDynamicSizeRatio", 0, 1, Kubernetes.Cni.Cilium.CiliumMapSizes.DefaultDynamicSizeRatio) ?? Kubernetes.Cni.Cilium.CiliumMapSizes.DefaultDynamicSizeRatio;
        bool derived = ratio > 0 && (tcp is null || any is null || nat is null);
        var sizes = ratio > 0
            ? Kubernetes.Cni.Cilium.CiliumMapSizes.Dynamic((long)(memoryGiB * (1L << 30)), ratio, tcp, any, nat)
            : Kubernetes.Cni.Cilium.CiliumMapSizes.Default with { CtTcp = tcp ?? Kubernetes.Cni.Cilium.CiliumMapSizes.DefaultCtTcp, CtAny = any ?? Kubernetes.Cni.Cilium.CiliumMapSizes.DefaultCtAny, Nat = nat ?? Kubernetes.Cni.Cilium.CiliumMapSizes.DefaultNat };
        if (sizes.Nat > sizes.CtTcp + sizes.CtAny)
        {
            if (nat is not null)
            {
                d.Refuse(m!["natMax"], "cluster.cilium.natMax", $"cluster.cilium.natMax: {nat} entries are more than the two conntrack maps hold together ({sizes.CtTcp} + {sizes.CtAny}); Cilium's agent refuses it (\"must not exceed maximum CT table size\", pkg/maps/mapsize); allowed: {min} to {sizes.CtTcp + sizes.CtAny}");
            }

            sizes = sizes with { Nat = Math.Max(min, (sizes.CtTcp + sizes.CtAny) * 2 / 3) };
        }

        return spec with { MapSizes = sizes, MapDynamicSizeRatio = ratio, MapSizesFromMemoryGiB = derived ? memoryGiB : null };
    }

    /// <summary>The most pods a node may be given: 253, what a node's /24 addresses (flannel's host-local range less cni0, network and broadcast).</summary>
    private const long MaxPodsPerNode = 253;

    /// <summary>The largest nf_conntrack_max a scenario may ask for: 2^26 entries (about 20 GiB of nf_conn on a real node).</summary>
    private const long MaxConntrack = 1 << 26;

    private static Network.Netfilter.ConntrackTimeouts ReadConntrackTimeouts(YamlMap? m, Network.Netfilter.ConntrackTimeouts t)
    {
        if (m is null)
        {
            return t;
        }

        // The kernel's sysctls take whole seconds (proc_dointvec_jiffies); a shorter one is allowed here for experiments.
        SimTime D(string key, SimTime fallback) => m.Duration(key, SimTime.FromMilliseconds(1), SimTime.FromSeconds(30 * 86_400), fallback);
        return t with
        {
            TcpSynSent = D("tcpSynSent", t.TcpSynSent),
            TcpSynRecv = D("tcpSynRecv", t.TcpSynRecv),
            TcpEstablished = D("tcpEstablished", t.TcpEstablished),
            TcpFinWait = D("tcpFinWait", t.TcpFinWait),
            TcpCloseWait = D("tcpCloseWait", t.TcpCloseWait),
            TcpLastAck = D("tcpLastAck", t.TcpLastAck),
            TcpTimeWait = D("tcpTimeWait", t.TcpTimeWait),
            TcpClose = D("tcpClose", t.TcpClose),
            Udp = D("udp", t.Udp),
            UdpStream = D("udpStream", t.UdpStream),
        };
    }

    /// <summary>A cluster key holding an IPv4 prefix (serviceCidr, clusterCidr), or a located error and the default.</summary>
    private static Ipv4Prefix Prefix(YamlMap m, string key, string example, Ipv4Prefix fallback, Diagnostics d)
    {
        if (m[key] is YamlScalarNode { Value: { } s })
        {
            if (Ipv4Prefix.TryParse(s, out var p))
            {
                return p;
            }

            d.Refuse(m[key], $"cluster.{key}", $"cluster.{key}: {Printable.Quote(s)} is not an IPv4 prefix; give one like {example}");
        }
        else if (m[key] is { } other)
        {
            d.Refuse(other, $"cluster.{key}", $"cluster.{key}: expected an IPv4 prefix like {example}; found {YamlMap.Describe(other)}");
        }

        return fallback;
    }

    private static Dictionary<KernelStage, StageCost> ReadCosts(YamlMap root, Diagnostics d)
    {
        var costs = new Dictionary<KernelStage, StageCost>();
        if (root["costs"] is not { } node)
        {
            return costs;
        }

        var stages = Enum.GetNames<KernelStage>();
        var m = YamlMap.Of(node, "costs", d, stages);
        if (m is null)
        {
            return costs;
        }

        foreach (var stage in stages.Where(m.Has))
        {
            var cost = YamlMap.Of(m[stage], $"costs.{stage}", d, ScenarioKeys.Cost);
            if (cost is null)
            {
                continue;
            }

            cost.Require("fixedNs");
            costs[Enum.Parse<KernelStage>(stage)] = StageCost.Nanoseconds(cost.Number("fixedNs", 0, 1e9, 0), cost.Number("nsPerByte", 0, 1e6, 0));
        }

        return costs;
    }

    private static DeploymentSpec? ReadDeployment(YamlNode node, string where, Diagnostics d)
    {
        var m = YamlMap.Of(node, where, d, ScenarioKeys.Deployment);
        if (m is null)
        {
            return null;
        }

        m.Require("name");
        var nodes = m.List("nodes").Select(n => YamlMap.IntegerOf(n, $"{where}.nodes", 1, Kubernetes.Cluster.KubernetesCluster.MaxNodesAnySubnet, d)).OfType<long>().Select(n => (int)n).ToList();
        int replicas = (int)m.Integer("replicas", 0, 10_000, 1);
        var lifecycle = new Kubernetes.Controllers.PodLifecycle();
        var defaults = Kubernetes.Controllers.RollingUpdate.Default(replicas);
        int surge = Fencepost(m, "maxSurge", replicas, roundUp: true, defaults.MaxSurge, d);
        int unavailable = Fencepost(m, "maxUnavailable", replicas, roundUp: false, defaults.MaxUnavailable, d);
        if ((m.Has("maxSurge") || m.Has("maxUnavailable")) && surge == 0 && unavailable == 0)
        {
            d.Error(m["maxSurge"] ?? m["maxUnavailable"], $"{where}: maxSurge and maxUnavailable are both 0, so a rolling update could never take a step (the API server refuses it); make one of them at least 1");
        }

        return new DeploymentSpec(m.String("name", "unnamed")!, replicas, m.Labels("labels"), nodes)
        {
            NodeSelector = m.Labels("nodeSelector"),
            Requests = PlacementKeys.Requests(m, d),
            AntiAffinityKey = m.Has("antiAffinity") ? PlacementKeys.TopologyKey(m.Choice("antiAffinity", PlacementKeys.Topologies, "hostname")) : null,
            Tolerations = PlacementKeys.Tolerations(m, d),
            Count = (int)m.Integer("count", 1, 100_000, 1),
            Strategy = new Kubernetes.Controllers.RollingUpdate(surge, unavailable),
            Lifecycle = lifecycle with
            {
                ReadinessDelay = m.Duration("readinessDelay", SimTime.Zero, MaxDuration, lifecycle.ReadinessDelay),
                PreStopSleep = m.Duration("preStopSleep", SimTime.Zero, MaxDuration, lifecycle.PreStopSleep),
                TerminationGracePeriod = m.Duration("terminationGracePeriod", SimTime.Zero, SimTime.FromSeconds(3600), lifecycle.TerminationGracePeriod),
            },
        };
    }

    /// <summary>
    /// maxSurge or maxUnavailable: a pod count, or a percentage of the replicas rounded as the deployment
    /// controller's ResolveFenceposts rounds it (surge up, unavailable down).
    /// </summary>
    private static int Fencepost(YamlMap m, string key, int replicas, bool roundUp, int fallback, Diagnostics d)
    {
        if (m[key] is not { } node)
        {
            return fallback;
        }

        if (node is YamlScalarNode { Value: { } s } && s.EndsWith('%')
            && int.TryParse(s[..^1], System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out int percent) && percent <= 100)
        {
            int scaled = percent * replicas;
            return roundUp ? (scaled + 99) / 100 : scaled / 100;
        }

        if (node is YamlScalarNode { Value: { } t } && t.EndsWith('%'))
        {
            d.Error(node, $"{m.Where(key)}: {Printable.Quote(t)} is not a percentage from 0% to 100%");
            return fallback;
        }

        return (int)m.Integer(key, 0, 10_000, fallback);
    }

    private static ServiceSpec? ReadService(YamlNode node, string where, Diagnostics d)
    {
        var m = YamlMap.Of(node, where, d, ScenarioKeys.Service);
        if (m is null)
        {
            return null;
        }

        m.Require("name", "selector");
        ushort port = (ushort)m.Integer("port", 1, 65535, 80);
        return new ServiceSpec(m.String("name", "unnamed")!, Enum.Parse<ServiceType>(m.Choice("type", Choices.ServiceTypes, "ClusterIP")),
            m.Labels("selector"), port, (ushort)m.Integer("targetPort", 1, 65535, port))
        {
            Count = (int)m.Integer("count", 1, 100_000, 1),
            ExternalTrafficPolicy = Enum.Parse<ExternalTrafficPolicy>(m.Choice("externalTrafficPolicy", Choices.TrafficPolicies, "Cluster")),
            Protocol = Choices.ServiceProtocolOf(m.Choice("protocol", Choices.ServiceProtocols, "TCP")),
        };
    }

    private static NetworkPolicySpec? ReadPolicy(YamlNode node, string where, Diagnostics d)
    {
        var m = YamlMap.Of(node, where, d, ScenarioKeys.NetworkPolicy);
        if (m is null)
        {
            return null;
        }

        m.Require("name", "podSelector");
        var rules = new List<PolicyRuleSpec>();
        foreach (var (ruleNode, r) in m.List("ingress").Select((n, r) => (n, r)))
        {
            var rule = YamlMap.Of(ruleNode, $"{where}.ingress[{r}]", d, ScenarioKeys.PolicyRule);
            if (rule is null)
            {
                continue;
            }

            var peers = new List<PolicyPeerSpec>();
            foreach (var (peerNode, p) in rule.List("from").Select((n, p) => (n, p)))
            {
                var peer = YamlMap.Of(peerNode, $"{where}.ingress[{r}].from[{p}]", d, ScenarioKeys.PolicyPeer);
                if (peer is null)
                {
                    continue;
                }

                Ipv4Prefix? block = null;
                if (peer["ipBlock"] is YamlScalarNode { Value: { } cidr })
                {
                    if (Ipv4Prefix.TryParse(cidr, out var b))
                    {
                        block = b;
                    }
                    else
                    {
                        d.Error(peer["ipBlock"], $"{peer.Where("ipBlock")}: {Printable.Quote(cidr)} is not an IPv4 prefix; give one like 10.0.0.0/8");
                    }
                }
                else if (peer["ipBlock"] is { } other)
                {
                    // Kubernetes' ipBlock is a mapping with cidr; this format takes the prefix itself, and one only.
                    d.Error(other, $"{peer.Where("ipBlock")}: expected one IPv4 prefix like 10.0.0.0/8; found {YamlMap.Describe(other)} (give each block as its own peer)");
                }

                if (peer.Has("podSelector") == peer.Has("ipBlock"))
                {
                    d.Error(peer.Node, $"{peer.Path}: give exactly one of podSelector or ipBlock");
                }

                peers.Add(new PolicyPeerSpec(peer.Has("podSelector") ? peer.Labels("podSelector") : null, block));
            }

            var ports = rule.List("ports").Select(n => YamlMap.IntegerOf(n, $"{where}.ingress[{r}].ports", 1, 65535, d)).OfType<long>().Select(v => (ushort)v).ToList();
            rules.Add(new PolicyRuleSpec(peers, ports));
        }

        return new NetworkPolicySpec(m.String("name", "unnamed")!, m.Labels("podSelector"), rules)
        {
            Count = (int)m.Integer("count", 1, 10_000, 1),
        };
    }

    private static WorkloadSpec? ReadWorkload(YamlNode node, string where, Diagnostics d)
    {
        var m = YamlMap.Of(node, where, d, ScenarioKeys.Workload);
        if (m is null)
        {
            return null;
        }

        m.Require("name", "test");
        var paths = m.Has("paths")
            ? m.List("paths").Select(p => YamlMap.ChoiceOf(p, $"{where}.paths", CommunicationPaths.Names, d)).OfType<string>().Select(CommunicationPaths.Parse).ToList()
            : CommunicationPaths.Default.ToList();
        if (m.Has("paths") && paths.Count == 0 && m["paths"] is YamlSequenceNode { Children.Count: 0 })
        {
            d.Error(m["paths"], $"{where}.paths: empty; list at least one of {string.Join(", ", CommunicationPaths.Names)} (or leave the key out for all)");
        }

        WorkloadRoute? route = null;
        if (m.Has("to"))
        {
            if (m.Has("paths"))
            {
                d.Error(m["paths"], $"{where}: give paths (NetPerf's own pods) or from/to (your objects), not both");
            }

            var placement = m.Has("placement") ? m.Choice("placement", Choices.Placements, "across") : null;
            route = new WorkloadRoute(m.String("from", "")!, m.String("to", "")!, placement is null ? null : Choices.PlacementOf(placement));
        }
        else if (m.Has("from") || m.Has("placement"))
        {
            d.Error(m["from"] ?? m["placement"], $"{where}: from and placement go with to (the server: service/NAME:PORT, pod/NAME, deployment/NAME, node/N, or a Service's DNS name)");
            if (m.Has("placement"))
            {
                m.Choice("placement", Choices.Placements, "across"); // a misspelt value is named too, with the allowed ones
            }
        }

        var test = Model.Tests.Get(m.Choice("test", Model.Tests.Names, "TCP_RR"));
        bool testRefused = d.IsRefused($"{where}.test"); // a rate's fit to the test is not judged against the default test
        if (m.Has("rate") && m.Has("rateGbps"))
        {
            // One workload offers its load one way: requests per second (TCP_RR's open loop) or bits per second (UDP_STREAM's pace).
            var later = m["rate"]!.Start.Line > m["rateGbps"]!.Start.Line ? "rate" : "rateGbps";
            d.Refuse(m[later], $"{where}.{later}", $"{where}: rate and rateGbps both given; give one: rate (requests per second, with TCP_RR) or rateGbps (UDP_STREAM's sending rate in Gbit/s)");
        }
        else if (m.Has("rate") && test != NetperfTestKind.TcpRr && !testRefused)
        {
            d.Refuse(m["rate"], $"{where}.rate", $"{where}.rate: requests per second offered in open loop, over TCP_RR's connections; {RateNote(test)}; allowed with: TCP_RR");
        }
        else if (m.Has("rateGbps") && test != NetperfTestKind.UdpStream && !testRefused)
        {
            d.Refuse(m["rateGbps"], $"{where}.rateGbps", $"{where}.rateGbps: UDP_STREAM's sending rate (Gbit/s); {test.Name} sends {(test == NetperfTestKind.TcpStream ? "as fast as TCP's window lets it" : "a request when the answer to the last one is in")}{(test == NetperfTestKind.TcpRr ? " (an open loop at a rate is rate:, requests per second)" : "")}; allowed with: UDP_STREAM");
        }

        // UDP_RR's clients wait for each answer a timeout too (1 s unless given): UDP recovers no loss, the application does.
        foreach (var key in new[] { "arrivals", "timeout" }.Where(k => m.Has(k) && !m.Has("rate") && !(k == "timeout" && test == NetperfTestKind.UdpRr)))
        {
            d.Error(m[key], $"{where}.{key}: goes with rate (an open-loop workload's requests per second){(key == "timeout" ? ", or with UDP_RR" : "")}");
        }

        return new WorkloadSpec(m.String("name", "unnamed")!, test, paths.Distinct().ToList())
        {
            RequestsPerSecond = m.Number("rate", 1, 10_000_000, 0),
            Arrivals = Enum.Parse<Workloads.Arrivals>(m.Choice("arrivals", Choices.Arrivals, "poisson"), ignoreCase: true),
            Timeout = m.Has("timeout") ? m.Duration("timeout", SimTime.FromMicroseconds(1), SimTime.FromSeconds(60), SimTime.FromSeconds(1)) : null,
            Route = route,
            RequestBytes = (int)m.Integer("request", 1, 16 << 20, 64),
            ResponseBytes = (int)m.Integer("response", 1, 16 << 20, 64),
            Clients = (int)m.Integer("clients", 1, 1024, 1),
            UdpGigabits = m.Number("rateGbps", 0.001, 400, 1),
            ServiceTime = m.Duration("serviceTime", SimTime.Zero, SimTime.FromSeconds(1), SimTime.Zero),
            ServiceDistribution = m.Choice("serviceDistribution", Choices.Distributions, "fixed"),
            Service = m.String("service"),
        };
    }

    /// <summary>Why a test other than TCP_RR takes no rate: what it does instead, in its own terms.</summary>
    private static string RateNote(NetperfTestKind test) =>
        test == NetperfTestKind.UdpRr ? "UDP_RR is closed loop: each client sends its next request when the answer comes or its timeout passes (more load: more clients)"
        : test == NetperfTestKind.TcpCrr ? "TCP_CRR is closed loop: each client opens its next connection when the last one's answer is in (more load: more clients)"
        : test == NetperfTestKind.DnsLookup ? "DNS_LOOKUP is closed loop: each client runs its next lookup when the last one returns"
        : test == NetperfTestKind.UdpStream ? "UDP_STREAM has no requests: its sending rate is rateGbps"
        : $"{test.Name} has no requests: it sends as fast as TCP's window lets it";

    /// <summary>The timeline's entries, sorted by time (a stable sort: entries at one time keep the file's order).</summary>
    private static IReadOnlyList<TimelineEvent> ReadTimeline(YamlMap root, Diagnostics d)
    {
        var events = new List<TimelineEvent>();
        foreach (var (node, i) in root.List("timeline").Select((n, i) => (n, i)))
        {
            string where = $"timeline[{i}]";
            var m = YamlMap.Of(node, where, d, ScenarioKeys.Timeline);
            if (m is null)
            {
                continue;
            }

            m.Require("at", "action");
            if (!m.Has("action"))
            {
                continue;
            }

            var action = TimelineActions.Parse(m.Choice("action", TimelineActions.Names, "roll"));
            string target = action switch
            {
                TimelineAction.DeletePod => "pod",
                TimelineAction.DrainNode or TimelineAction.UncordonNode or TimelineAction.FailNode => "node",
                TimelineAction.AddNetworkPolicy or TimelineAction.RemoveNetworkPolicy => "networkPolicy",
                TimelineAction.AddService or TimelineAction.RemoveService or TimelineAction.SetExternalTrafficPolicy => "service",
                TimelineAction.StartWorkload or TimelineAction.StopWorkload => "workload",
                _ => "deployment",
            };
            m.Require(target);
            // The second key scale and setExternalTrafficPolicy take: the new count, the new policy.
            string? second = action switch
            {
                TimelineAction.Scale => "replicas",
                TimelineAction.SetExternalTrafficPolicy => "externalTrafficPolicy",
                _ => null,
            };
            foreach (var key in new[] { "deployment", "pod", "replicas", "node", "networkPolicy", "service", "workload", "externalTrafficPolicy" }.Where(k => k != target && k != second && m.Has(k)))
            {
                d.Error(m[key], $"{where}.{key}: not used by {action.Name()}; {action.Name()} takes {(second is null ? target : $"{target} and {second}")}");
            }

            if (action == TimelineAction.SetExternalTrafficPolicy && !m.Has(second!))
            {
                d.Error(node, $"{where}.{second}: required, missing; allowed: {string.Join(", ", Choices.TrafficPolicies)}");
            }
            else if (second is not null)
            {
                m.Require(second);
            }

            int drained = target == "node" ? (int)m.Integer("node", 1, Kubernetes.Cluster.KubernetesCluster.MaxNodes, 1) : 0;
            events.Add(new TimelineEvent(m.Duration("at", SimTime.Zero, MaxDuration, SimTime.Zero), action, drained > 0 ? $"node{drained}" : m.String(target, "")!)
            {
                Replicas = (int)m.Integer("replicas", 0, 10_000, 0),
                ExternalTrafficPolicy = Enum.Parse<ExternalTrafficPolicy>(m.Choice("externalTrafficPolicy", Choices.TrafficPolicies, "Cluster")),
                Node = drained,
                Entry = i,
            });
        }

        return [.. events.OrderBy(e => e.At)];
    }

    /// <summary>
    /// Checks a scenario again after a command line changed it (compare's --cni, say): the errors point at the
    /// file's lines the new variants clash with.
    /// </summary>
    public static void Recheck(Scenario scenario, bool allowOutside = false, long? maxMemory = null)
    {
        var d = new Diagnostics(scenario.SourceFile, scenario.SourceText);
        ScenarioChecks.Check(scenario, ReadYaml(scenario.SourceText, d), d, allowOutside, maxMemory ?? Estimation.ScenarioEstimate.DefaultMaxMemory);
        if (d.Errors.Count > 0)
        {
            throw new ScenarioException(d.Errors.OrderBy(e => e.Line).ThenBy(e => e.Column).ToList());
        }
    }

    /// <summary>
    /// For checks made after loading (a probe of the built cluster): an error at the first of the given places
    /// in the scenario's file that exists (a path of keys and indexes, e.g. workloads, 0, paths, 1), or at its top.
    /// </summary>
    public static Func<object[], object[], object[], string, ScenarioError> Locator(Scenario scenario)
    {
        var d = new Diagnostics(scenario.SourceFile, scenario.SourceText);
        YamlNode? root = null;
        try
        {
            root = ReadYaml(scenario.SourceText, d);
        }
        catch (ScenarioException)
        {
            // A scenario built in code has no file to point into: its errors are at line 1.
        }

        return (a, b, c, message) =>
        {
            var node = root is null ? null : ScenarioChecks.At(root, a) ?? ScenarioChecks.At(root, b) ?? ScenarioChecks.At(root, c) ?? root;
            return d.At(node?.Start ?? YamlDotNet.Core.Mark.Empty, message);
        };
    }

    /// <param name="peering">The cluster's peering: its route reflectors are the experiments' unless bgp.reflectors says otherwise.</param>
    private static BgpSpec? ReadBgp(YamlMap? m, Kubernetes.Bgp.BgpPeering peering, Diagnostics d)
    {
        if (m is null)
        {
            return null;
        }

        var spec = new BgpSpec();
        if (m.Has("reflectors") && peering.Topology == Kubernetes.Bgp.BgpTopology.RouteReflectors && !d.IsRefused("cluster.calico.routeReflectors")
            && m["reflectors"] is YamlScalarNode { Value: { } given } && given != peering.Reflectors.ToString(System.Globalization.CultureInfo.InvariantCulture))
        {
            // One number for one thing: the experiments' reflectors default to the cluster's Calico's, and two that differ would each claim the cluster.
            d.Refuse(m["reflectors"], "bgp.reflectors", $"bgp.reflectors: {Printable.Quote(given)}, and cluster.calico.routeReflectors says {peering.Reflectors}: the cluster's Calico has {peering.Reflectors} route reflectors; leave bgp.reflectors out (it follows cluster.calico.routeReflectors) or give {peering.Reflectors}");
        }

        var nodes = m.List("nodes").Select(n => YamlMap.IntegerOf(n, "bgp.nodes", 2, 500, d)).OfType<long>().Select(n => (int)n).ToList();
        var topologies = m.List("topology").Select(n => YamlMap.ChoiceOf(n, "bgp.topology", Choices.BgpTopologies, d)).OfType<string>().ToList();
        return spec with
        {
            Nodes = nodes.Count > 0 ? nodes : spec.Nodes,
            Topologies = topologies.Count > 0 ? topologies : spec.Topologies,
            Reflectors = (int)m.Integer("reflectors", 1, MaxRouteReflectors, peering.Reflectors > 0 ? peering.Reflectors : spec.Reflectors),
            Hold = m.Has("hold") ? m.Duration("hold", SimTime.FromSeconds(3), SimTime.FromSeconds(3600), SimTime.FromSeconds(240)) : null,
            Ipip = m.Boolean("ipip", false),
            FailNode = m.Has("failNode") ? (int)m.Integer("failNode", 1, 500, 1) : null,
            FailAt = m.Duration("failAt", SimTime.FromSeconds(1), SimTime.FromSeconds(3600), spec.FailAt),
            JoinAt = m.Has("joinAt") ? m.Duration("joinAt", SimTime.FromSeconds(1), SimTime.FromSeconds(3600), SimTime.FromSeconds(30)) : null,
        };
    }

    private static CompareSpec ReadCompare(YamlMap? m, Diagnostics d)
    {
        if (m is null)
        {
            return new CompareSpec();
        }

        List<string> Words(string key, IReadOnlyList<string> allowed) =>
            m.List(key).Select(n => YamlMap.ChoiceOf(n, m.Where(key), allowed, d)).OfType<string>().ToList();
        List<int> Numbers(string key, long min, long max) =>
            m.List(key).Select(n => YamlMap.IntegerOf(n, m.Where(key), min, max, d)).OfType<long>().Select(v => (int)v).ToList();
        var compare = new CompareSpec
        {
            Cni = [.. Words("cni", Choices.Cni).Select(Kubernetes.Cni.CniPlugins.Get)],
            KubeProxy = [.. Words("kubeProxy", Choices.KubeProxy).Select(Kubernetes.Services.KubeProxyMode.Get)],
            Services = Numbers("services", 0, 100_000),
            MessageBytes = Numbers("messageBytes", 1, 16 << 20),
            ConntrackMax = Numbers("conntrackMax", 1, MaxConntrack),
            PreStopSleep = [.. m.List("preStopSleep").Select(n => DurationOf(n, m.Where("preStopSleep"), d)).OfType<SimTime>()],
            Kernel = [.. Words("kernel", Choices.Kernels).Select(KernelLine.Get)],
            Resolver = [.. Words("resolver", Choices.Resolvers).Select(Choices.Resolver)],
            PodMtu = [.. m.List("podMtu").Select(n => PodMtuOf(n, m.Where("podMtu"), d)).OfType<PodMtuSetting>()],
            IcmpFragmentationNeeded = [.. Words("icmpFragmentationNeeded", Choices.IcmpFragmentationNeeded).Select(Choices.IcmpFragmentationNeededOf)],
            StaleUdpConntrack = [.. Words("staleUdpConntrack", Choices.StaleUdpConntrack).Select(Choices.StaleUdpConntrackOf)],
            MasqueradePorts = [.. Words("masqueradePorts", Choices.MasqueradePorts).Select(Choices.MasqueradePortsOf)],
        };
        foreach (var key in ScenarioKeys.Compare)
        {
            var values = m.List(key).OfType<YamlScalarNode>().Select(v => v.Value).ToList();
            if (values.Distinct().Count() != values.Count)
            {
                d.Error(m[key], $"{m.Where(key)}: a value appears twice; list each once");
            }
        }

        return compare;
    }

    /// <summary>An IPv4 MTU from 576 (RFC 791's minimum datagram every host takes) to 9000 (jumbo frames), or "auto"; null when absent or wrong (reported).</summary>
    private static PodMtuSetting? PodMtuOf(YamlNode? node, string where, Diagnostics d)
    {
        if (node is null)
        {
            return null;
        }

        if (node is YamlScalarNode { Value: { } s })
        {
            if (s == PodMtuSetting.AutoWord)
            {
                return PodMtuSetting.Auto;
            }

            if (int.TryParse(s, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out int bytes) && bytes is >= 576 and <= 9000)
            {
                return new PodMtuSetting(bytes);
            }
        }

        d.Refuse(node, where, $"{where}: expected an MTU in bytes from 576 to 9000, or {PodMtuSetting.AutoWord} (the plugin's own: the node's MTU less its encapsulation's overhead); found {YamlMap.Describe(node)}");
        return null;
    }

    private static SimTime? DurationOf(YamlNode node, string where, Diagnostics d)
    {
        if (node is YamlScalarNode { Value: { } s } && YamlMap.ParseDuration(s) is { } t && t <= MaxDuration)
        {
            return t;
        }

        d.Error(node, $"{where}: expected a duration with a unit (ns, us, ms or s) up to {YamlMap.Show(MaxDuration)}, e.g. 2s; found {YamlMap.Describe(node)}");
        return null;
    }

    private static string Clean(string message) => message.Replace("\r", "").Replace("\n", " ");

    // \z, not $: $ also matches before a final newline, and "web\n" would name a results folder.
    [GeneratedRegex(@"^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?\z")]
    internal static partial Regex DnsLabel();
}

using System.Text.RegularExpressions;
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

    /// <summary>Reads and checks a file; warnings (things allowed but probably not meant) go to <paramref name="warnings"/>.</summary>
    public static Scenario Load(string path, List<string>? warnings = null)
    {
        string text;
        try
        {
            text = File.ReadAllText(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new ScenarioException([new ScenarioError(path, 1, 1, $"cannot read the file: {e.Message}")]);
        }

        return Parse(text, path, warnings);
    }

    public static Scenario Parse(string text, string file, List<string>? warnings = null)
    {
        var d = new Diagnostics(file);
        var stream = new YamlStream();
        try
        {
            stream.Load(new StringReader(text));
        }
        catch (YamlException e)
        {
            string message = e.InnerException?.Message ?? e.Message;
            throw new ScenarioException([new ScenarioError(file, Math.Max(1, (int)e.Start.Line), Math.Max(1, (int)e.Start.Column), $"not valid YAML: {Clean(message)}")]);
        }

        if (stream.Documents.Count != 1)
        {
            throw new ScenarioException([new ScenarioError(file, 1, 1, $"expected one YAML document; found {stream.Documents.Count}")]);
        }

        var root = YamlMap.Of(stream.Documents[0].RootNode, "", d, ScenarioKeys.Root);
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
            d.Error(root["name"] ?? root.Node, $"name: '{name}' names the results folder; use lower-case letters, digits and '-' (at most 63)");
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
            Replications = (int)root.Integer("replications", 1, 100, 1),
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
            Bgp = root["bgp"] is { } bgp ? ReadBgp(YamlMap.Of(bgp, "bgp", d, ScenarioKeys.Bgp), d) : null,
        };

        ScenarioChecks.Check(scenario, stream.Documents[0].RootNode, d);
        if (d.Errors.Count > 0)
        {
            throw new ScenarioException(d.Errors.OrderBy(e => e.Line).ThenBy(e => e.Column).ToList());
        }

        warnings?.AddRange(d.Warnings);
        return scenario;
    }

    private static YamlMap? YamlMapOrNull(YamlMap parent, string key, Diagnostics d, params string[] keys) =>
        parent[key] is { } node ? YamlMap.Of(node, parent.Where(key), d, keys) : null;

    private static ClusterSpec ReadCluster(YamlMap? m, Diagnostics d)
    {
        var c = new ClusterSpec();
        if (m is null)
        {
            return c;
        }

        var nic = m["nic"] is { } n ? YamlMap.Of(n, "cluster.nic", d, ScenarioKeys.Nic) : null;
        var cidr = c.ServiceCidr;
        if (m["serviceCidr"] is YamlScalarNode { Value: { } s })
        {
            if (Ipv4Prefix.TryParse(s, out var p))
            {
                cidr = p;
            }
            else
            {
                d.Error(m["serviceCidr"], $"cluster.serviceCidr: '{s}' is not an IPv4 prefix; give one like 10.96.0.0/12");
            }
        }

        var fabric = m.Choice("fabric", Choices.Fabrics, "switch") == "kind" ? Kubernetes.Cluster.ClusterFabric.Kind : Kubernetes.Cluster.ClusterFabric.Switch;
        return c with
        {
            Nodes = (int)m.Integer("nodes", 2, Kubernetes.Cluster.KubernetesCluster.MaxNodes, c.Nodes),
            Racks = (int)m.Integer("racks", 1, 14, c.Racks),
            CoresPerNode = (int)m.Integer("coresPerNode", 1, 256, c.CoresPerNode),
            Cni = m.Choice("cni", Choices.Cni, c.Cni),
            KubeProxy = m.Choice("kubeProxy", Choices.KubeProxy, c.KubeProxy),
            Mtu = (int)m.Integer("mtu", 1280, 9000, c.Mtu),
            NicGigabits = nic?.Number("gbps", 0.001, 800, c.NicGigabits) ?? c.NicGigabits,
            Offloads = (nic?.Choice("offloads", Choices.Offloads, "all") ?? "all") == "all",
            LinkDelay = m.Duration("linkDelay", SimTime.Zero, SimTime.FromMilliseconds(100), c.LinkDelay),
            ServiceCidr = cidr,
            Fabric = fabric,
            BridgeNetfilter = m.Boolean("bridgeNetfilter", c.BridgeNetfilter),
        };
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
        var nodes = m.List("nodes").Select(n => YamlMap.IntegerOf(n, $"{where}.nodes", 1, Kubernetes.Cluster.KubernetesCluster.MaxNodes, d)).OfType<long>().Select(n => (int)n).ToList();
        return new DeploymentSpec(m.String("name", "unnamed")!, (int)m.Integer("replicas", 0, 10_000, 1), m.Labels("labels"), nodes);
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
                        d.Error(peer["ipBlock"], $"{peer.Where("ipBlock")}: '{cidr}' is not an IPv4 prefix; give one like 10.0.0.0/8");
                    }
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

        return new WorkloadSpec(m.String("name", "unnamed")!, m.Choice("test", Model.Tests.Names, "TCP_RR"), paths.Distinct().ToList())
        {
            RequestBytes = (int)m.Integer("request", 1, 16 << 20, 64),
            ResponseBytes = (int)m.Integer("response", 1, 16 << 20, 64),
            Clients = (int)m.Integer("clients", 1, 1024, 1),
            UdpGigabits = m.Number("rateGbps", 0.001, 400, 1),
            ServiceTime = m.Duration("serviceTime", SimTime.Zero, SimTime.FromSeconds(1), SimTime.Zero),
            ServiceDistribution = m.Choice("serviceDistribution", Choices.Distributions, "fixed"),
        };
    }

    /// <summary>
    /// Checks a scenario again after a command line changed it (compare's --cni, say): the errors point at the
    /// file's lines the new variants clash with.
    /// </summary>
    public static void Recheck(Scenario scenario)
    {
        var d = new Diagnostics(scenario.SourceFile);
        var stream = new YamlStream();
        stream.Load(new StringReader(scenario.SourceText));
        ScenarioChecks.Check(scenario, stream.Documents[0].RootNode, d);
        if (d.Errors.Count > 0)
        {
            throw new ScenarioException(d.Errors.OrderBy(e => e.Line).ThenBy(e => e.Column).ToList());
        }
    }

    private static BgpSpec? ReadBgp(YamlMap? m, Diagnostics d)
    {
        if (m is null)
        {
            return null;
        }

        var spec = new BgpSpec();
        var nodes = m.List("nodes").Select(n => YamlMap.IntegerOf(n, "bgp.nodes", 2, 500, d)).OfType<long>().Select(n => (int)n).ToList();
        var topologies = m.List("topology").Select(n => YamlMap.ChoiceOf(n, "bgp.topology", Choices.BgpTopologies, d)).OfType<string>().ToList();
        return spec with
        {
            Nodes = nodes.Count > 0 ? nodes : spec.Nodes,
            Topologies = topologies.Count > 0 ? topologies : spec.Topologies,
            Reflectors = (int)m.Integer("reflectors", 1, 16, spec.Reflectors),
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
            Cni = Words("cni", Choices.Cni),
            KubeProxy = Words("kubeProxy", Choices.KubeProxy),
            Services = Numbers("services", 0, 100_000),
            MessageBytes = Numbers("messageBytes", 1, 16 << 20),
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

    private static string Clean(string message) => message.Replace("\r", "").Replace("\n", " ");

    [GeneratedRegex("^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$")]
    internal static partial Regex DnsLabel();
}

using System.Text.RegularExpressions;
using NetPerf.Scenarios.Loading;
using YamlDotNet.Core;
using YamlDotNet.RepresentationModel;

namespace NetPerf.Scenarios.Compat;

/// <summary>
/// k8s-netperf's own config file, read as k8s-netperf reads it (pkg/config/config.go, ParseConf then
/// ParseV2Conf): the v1 map (each top-level key a test's name, its value the test) or the v2 list under
/// <c>tests:</c> (each item a map whose one key without a value is the test's name). Each test is checked as
/// validConfig checks it (a known profile, duration, samples, messagesize and parallelism above 0), and a
/// refusal says where (file:line:col). Unknown keys are ignored, as yaml.v3's non-strict Unmarshal ignores
/// them; v1's tests run in file order (k8s-netperf ranges over a Go map, so its order is random).
/// </summary>
public static partial class K8sNetperfConfig
{
    /// <summary>validTests in pkg/config/config.go, matched case-insensitively anywhere in the profile as its regexp does.</summary>
    [GeneratedRegex("tcp_stream_lat|tcp_stream|udp_stream|tcp_rr|udp_rr|tcp_crr|udp_crr|sctp_stream|sctp_rr|sctp_crr", RegexOptions.IgnoreCase)]
    private static partial Regex ValidTests();

    private static readonly string[] Keys = ["parallelism", "duration", "profile", "samples", "messagesize", "messagereadsize", "burst", "service"];

    /// <summary>Whether a YAML text is a k8s-netperf config rather than a NetPerf scenario: a <c>tests:</c> list, or a map of maps with a profile and no scenario key.</summary>
    public static bool Looks(string text)
    {
        try
        {
            var stream = new YamlStream();
            stream.Load(new StringReader(text));
            if (stream.Documents.Count != 1 || stream.Documents[0].RootNode is not YamlMappingNode root)
            {
                return false;
            }

            if (root.Children.TryGetValue(new YamlScalarNode("tests"), out var tests) && tests is YamlSequenceNode && root.Children.Count == 1)
            {
                return true;
            }

            return root.Children.Count > 0 && !root.Children.ContainsKey(new YamlScalarNode("workloads"))
                && root.Children.Values.All(v => v is YamlMappingNode m && m.Children.ContainsKey(new YamlScalarNode("profile")));
        }
        catch (YamlException)
        {
            return false;
        }
    }

    public static IReadOnlyList<K8sNetperfTest> Parse(string text, string file)
    {
        var errors = new List<ScenarioError>();
        YamlMappingNode root;
        try
        {
            var stream = new YamlStream();
            stream.Load(new StringReader(text));
            root = stream.Documents.Count == 1 && stream.Documents[0].RootNode is YamlMappingNode m
                ? m
                : throw new ScenarioException([new ScenarioError(file, 1, 1, "a k8s-netperf config is one YAML map: test names to tests (v1), or tests: a list of them (v2)")]);
        }
        catch (YamlException e)
        {
            throw new ScenarioException([new ScenarioError(file, (int)Math.Max(1, e.Start.Line), (int)Math.Max(1, e.Start.Column), $"not valid YAML: {(e.InnerException ?? e).Message.ReplaceLineEndings(" ")}")]);
        }

        var tests = new List<K8sNetperfTest>();
        if (root.Children.TryGetValue(new YamlScalarNode("tests"), out var list) && list is YamlSequenceNode items)
        {
            for (int i = 0; i < items.Children.Count; i++)
            {
                if (items.Children[i] is not YamlMappingNode item)
                {
                    errors.Add(At(file, items.Children[i], $"tests[{i}]: a test is a map (a name, then profile, duration, samples, messagesize, parallelism ...)"));
                    continue;
                }

                // The v2 layout "- TCPStream:\n  profile: ..." is one map: the name is the key without a value.
                string name = item.Children.FirstOrDefault(kv => kv.Key is YamlScalarNode k && !Keys.Contains(k.Value) && kv.Value is YamlScalarNode { Value: null or "" }).Key is YamlScalarNode n
                    ? n.Value! : $"test-{i}";
                Read(file, name, item, $"tests[{i}]", tests, errors);
            }
        }
        else
        {
            foreach (var (key, value) in root.Children)
            {
                string name = (key as YamlScalarNode)?.Value ?? "";
                if (value is YamlMappingNode m)
                {
                    Read(file, name, m, name, tests, errors);
                }
                else
                {
                    errors.Add(At(file, value, $"{name}: a test is a map of profile, duration, samples, messagesize, parallelism ..."));
                }
            }
        }

        if (tests.Count == 0 && errors.Count == 0)
        {
            errors.Add(At(file, root, "no tests: k8s-netperf's config lists at least one (tests: [- name: {profile: TCP_STREAM, ...}])"));
        }

        if (errors.Count > 0)
        {
            throw new ScenarioException([.. errors.OrderBy(e => e.Line).ThenBy(e => e.Column)]);
        }

        return tests;
    }

    private static void Read(string file, string name, YamlMappingNode m, string where, List<K8sNetperfTest> tests, List<ScenarioError> errors)
    {
        YamlNode? Node(string key) => m.Children.TryGetValue(new YamlScalarNode(key), out var v) ? v : null;
        int Integer(string key)
        {
            if (Node(key) is not YamlScalarNode s)
            {
                return 0; // yaml.v3 leaves a missing int at 0 (the struct's default tag is not applied): validConfig then refuses it
            }

            if (int.TryParse(s.Value, System.Globalization.NumberStyles.Integer, System.Globalization.CultureInfo.InvariantCulture, out int v))
            {
                return v;
            }

            errors.Add(At(file, s, $"{where}.{key}: '{Printable.Escape(s.Value ?? "")}' is not an integer"));
            return 1;
        }

        string profile = (Node("profile") as YamlScalarNode)?.Value ?? "";
        bool service = Node("service") is YamlScalarNode sv && (sv.Value ?? "").ToLowerInvariant() is "true" or "yes" or "on";
        var test = new K8sNetperfTest(name, profile, Integer("duration"), Integer("samples"), Integer("messagesize"), Integer("parallelism"), Integer("burst"), service)
        {
            Line = (int)m.Start.Line,
            Column = (int)m.Start.Column,
        };

        // validConfig's checks, in its order and words.
        YamlNode at = Node("profile") ?? m;
        if (!ValidTests().IsMatch(profile))
        {
            errors.Add(At(file, at, $"{where}.profile: unknown netperf profile '{Printable.Escape(profile)}'; allowed: TCP_STREAM, UDP_STREAM, TCP_RR, UDP_RR, TCP_CRR (and, not modelled here, UDP_CRR, SCTP_*, TCP_STREAM_LAT)"));
        }
        else if (!Supported.Contains(profile) && profile != "TCP_STREAM_LAT")
        {
            errors.Add(At(file, at, $"{where}.profile: {Printable.Escape(profile)} is a k8s-netperf profile NetPerf does not model; modelled: {string.Join(", ", Supported)}"));
        }

        foreach (var (key, value) in (ReadOnlySpan<(string, int)>)[("duration", test.Duration), ("samples", test.Samples), ("messagesize", test.MessageSize), ("parallelism", test.Parallelism)])
        {
            if (value < 1)
            {
                errors.Add(At(file, Node(key) ?? m, $"{where}.{key}: must be > 0 (k8s-netperf's validConfig){(Node(key) is null ? "; it is missing" : "")}"));
            }
        }

        tests.Add(test);
    }

    /// <summary>The profiles NetPerf runs with the netperf driver (TCP_STREAM_LAT is uperf's only: k8s-netperf skips it with netperf, and so does this).</summary>
    public static readonly IReadOnlyList<string> Supported = ["TCP_STREAM", "UDP_STREAM", "TCP_RR", "UDP_RR", "TCP_CRR"];

    private static ScenarioError At(string file, YamlNode node, string message) =>
        new(file, (int)Math.Max(1, node.Start.Line), (int)Math.Max(1, node.Start.Column), message);
}

using System.Globalization;
using System.Text;

namespace NetPerf.Reporting.K8sNetperf;

/// <summary>
/// k8s-netperf's result files, byte for byte as pkg/archive/archive.go writes them: <c>result-&lt;unix
/// seconds&gt;.csv</c> (WriteCSVResult: commonCsvHeaderFields then the throughput and latency columns, through
/// Go's encoding/csv, LF line ends) and the --json array (WriteJSONResult: BuildDocs' Doc objects with
/// uuid "k8s-netperf", json.MarshalIndent with prefix " " and indent "  ", then a newline).
/// </summary>
public static class K8sNetperfFiles
{
    /// <summary>commonCsvHeaderFields() + "Avg Throughput", "Throughput Metric", "99%tile Observed Latency", "Latency Metric".</summary>
    public static readonly IReadOnlyList<string> CsvHeader =
    [
        "Driver", "Profile", "Same node", "Host Network", "VM mode", "Service", "External Server", "UDN Info", "Bridge Info",
        "SR-IOV Info", "Macvlan Info", "Localnet Info", "Duration", "Parallelism", "# of Samples", "Message Size", "Burst",
        "Confidence metric - low", "Confidence metric - high", "Avg Throughput", "Throughput Metric", "99%tile Observed Latency", "Latency Metric",
    ];

    /// <summary>The file's name: "result-%d.csv" of the Unix time k8s-netperf reads from the clock, here given.</summary>
    public static string CsvName(DateTimeOffset at) => $"result-{at.ToUnixTimeSeconds().ToString(CultureInfo.InvariantCulture)}.csv";

    private static string B(bool b) => b ? "true" : "false";
    private static string I(int i) => i.ToString(CultureInfo.InvariantCulture);

    public static string Csv(IReadOnlyList<K8sNetperfRow> rows)
    {
        var sb = new StringBuilder();
        Line(sb, CsvHeader);
        foreach (var r in rows)
        {
            Line(sb,
            [
                r.Driver, r.Profile, B(r.SameNode), B(r.HostNetwork), "false", B(r.Service), B(r.ExternalServer), "", "", "", "", "",
                I(r.Duration), I(r.Parallelism), I(r.Samples), I(r.MessageSize), I(r.Burst),
                GoFormat.FixedShortest(r.ConfidenceLow), GoFormat.FixedShortest(r.ConfidenceHigh),
                GoFormat.F(Mean(r.Throughput)), r.Metric, GoFormat.V(Mean(r.Latency99)), "usec",
            ]);
        }

        return sb.ToString();
    }

    /// <summary>stats.Mean, which errs (and k8s-netperf writes 0) on no values.</summary>
    private static double Mean(IReadOnlyList<double> xs) => xs.Count == 0 ? 0 : xs.Average();

    /// <summary>encoding/csv's Writer: a field is quoted if it has a comma, a quote, CR or LF, or begins with a space; quotes doubled.</summary>
    private static void Line(StringBuilder sb, IReadOnlyList<string> fields)
    {
        for (int i = 0; i < fields.Count; i++)
        {
            if (i > 0)
            {
                sb.Append(',');
            }

            string f = fields[i];
            bool quote = f == @"\." || f.AsSpan().IndexOfAny(",\"\r\n") >= 0 || (f.Length > 0 && char.IsWhiteSpace(f[0]));
            sb.Append(quote ? "\"" + f.Replace("\"", "\"\"") + "\"" : f);
        }

        sb.Append('\n');
    }

    /// <summary>WriteJSONResult's output for these rows, at <paramref name="timestamp"/> (BuildDocs' time.Now().UTC()).</summary>
    public static string Json(IReadOnlyList<K8sNetperfRow> rows, DateTimeOffset timestamp, string version)
    {
        var docs = new List<Json.Value>();
        foreach (var r in rows)
        {
            static Json.Value Cpu() => new Json.Obj([("idleCPU", 0.0), ("userCPU", 0.0), ("stealCPU", 0.0), ("systemCPU", 0.0), ("niceCPU", 0.0), ("irqCPU", 0.0), ("softCPU", 0.0), ("ioCPU", 0.0), ("vSwitchCPU", 0.0), ("vSwitchMem", 0.0)]);
            Json.Value Node(string name, string ip) => new Json.Obj([("ip", ip), ("nodeName", name), ("machineID", ""), ("systemUUID", ""), ("bootID", ""), ("kernelVersion", ""),
                ("osImage", ""), ("containerRuntimeVersion", ""), ("kubeletVersion", ""), ("kubeProxyVersion", ""), ("operatingSystem", "linux"), ("architecture", "")]);
            docs.Add(new Json.Obj(
            [
                ("uuid", "k8s-netperf"), ("timestamp", timestamp.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.FFFFFFF", CultureInfo.InvariantCulture).TrimEnd('.') + "Z"),
                ("hostNetwork", r.HostNetwork), ("driver", r.Driver), ("parallelism", r.Parallelism), ("profile", r.Profile), ("duration", r.Duration),
                ("service", r.Service), ("local", r.SameNode), ("virt", false), ("acrossAZ", false /* k8s-netperf derives it from zone labels, which the simulated nodes lack: K8sNetperfRun.AcrossIgnored */), ("samples", r.Samples), ("messageSize", r.MessageSize),
                ("burst", r.Burst), ("throughput", Mean(r.Throughput)), ("latency", Mean(r.Latency99)), ("tputMetric", r.Metric), ("ltcyMetric", "usec"),
                ("tcpRetransmits", Mean(r.Retransmits)), ("udpLossPercent", Mean(r.LossPercent)), ("toolVersion", version), ("toolGitCommit", ""),
                ("metadata", new Json.Obj([("workerNodesCount", r.Nodes), ("totalNodes", r.Nodes), ("sdnType", r.Cni), ("kernel", ""), ("ocpShortVersion", ""), ("mtu", r.Mtu)])),
                ("serverCPU", Cpu()), ("serverCPUCollected", false), ("serverPods", null), ("serverPodsMem", null),
                ("clientCPU", Cpu()), ("clientCPUCollected", false), ("clientPods", null), ("clientPodsMem", null),
                ("confidence", new Json.Arr([r.ConfidenceLow, r.ConfidenceHigh])),
                ("serverNodeInfo", Node(r.ServerNode, r.ExternalServer ? "" : r.ServerNode == "node1" ? "192.168.0.1" : "192.168.0.2")), ("clientNodeInfo", Node(r.ClientNode, "192.168.0.1")),
                ("serverVswtichCpu", 0.0), ("serverVswitchMem", 0.0), ("clientVswtichCpu", 0.0), ("clientVswitchMem", 0.0),
                ("externalServer", r.ExternalServer), ("udnInfo", ""), ("bridgeInfo", ""), ("sriovInfo", ""), ("macvlanInfo", ""), ("localnetInfo", ""),
            ]));
        }

        var sb = new StringBuilder();
        K8sNetperf.Json.Write(sb, docs.Count == 0 ? null : new Json.Arr(docs), " ", "  ", 0);
        return sb.Append('\n').ToString();
    }
}

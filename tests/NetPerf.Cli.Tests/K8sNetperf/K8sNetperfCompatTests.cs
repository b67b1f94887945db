using System.Text.Json;
using NetPerf.Cli.Tests.Commands;

namespace NetPerf.Cli.Tests.K8sNetperf;

/// <summary>
/// `netperf run` on k8s-netperf's own config files, written out as fixtures from cloud-bulldozer/k8s-netperf:
/// netperf.yml (its default config, repository root) and examples/netperf-svc.yml as they are, config-v2.yml and
/// config-v1.yml from docs/configuration.md's "Config File v2" and "Config File v1" blocks.
/// </summary>
public sealed class K8sNetperfCompatTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("netperf-k8s-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private static string Fixture(string name) => Path.Combine(AppContext.BaseDirectory, "K8sNetperf", name);

    // pkg/archive/archive.go: commonCsvHeaderFields() and WriteCSVResult's four columns, as Go's encoding/csv writes them (LF).
    private const string Header = "Driver,Profile,Same node,Host Network,VM mode,Service,External Server,UDN Info,Bridge Info,SR-IOV Info,Macvlan Info,Localnet Info,Duration,Parallelism,# of Samples,Message Size,Burst,Confidence metric - low,Confidence metric - high,Avg Throughput,Throughput Metric,99%tile Observed Latency,Latency Metric\n";

    [Theory]
    [InlineData("netperf.yml", 6)]      // seven tests; TCP_STREAM_LAT is uperf's only, skipped with netperf as k8s-netperf skips it
    [InlineData("netperf-svc.yml", 3)]
    [InlineData("config-v2.yml", 1)]
    [InlineData("config-v1.yml", 1)]
    public void Its_example_configs_run_and_write_result_csv_with_its_header_byte_for_byte(string file, int rows)
    {
        var (code, _, err) = CommandLine.Run("run", Fixture(file), "--results-dir", _dir);
        Assert.True(code == 0, err);
        string csv = File.ReadAllText(Path.Combine(_dir, "result-1.csv")); // Unix epoch + seed 1 second
        Assert.StartsWith(Header, csv, StringComparison.Ordinal);
        var lines = csv.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(rows + 1, lines.Length);
        Assert.All(lines.Skip(1), l => Assert.Equal(23, l.Split(',').Length));
        Assert.All(lines.Skip(1), l => Assert.StartsWith("netperf,", l));
        if (file == "netperf.yml")
        {
            Assert.Contains("TCP_STREAM_LAT is not supported with driver netperf", err);
            // TCPStream: 3 samples, so a 95% interval around its mean; TCP_CRR through the Service in OP/s.
            var stream = lines[1].Split(',');
            Assert.Equal(["netperf", "TCP_STREAM", "false", "false", "false", "false", "false", "", "", "", "", "", "10", "1", "3", "1024", "0"], stream[..17]);
            Assert.True(double.Parse(stream[17]) <= double.Parse(stream[19]) && double.Parse(stream[19]) <= double.Parse(stream[18]));
            Assert.Equal("Mb/s", stream[20]);
            Assert.Contains(lines, l => l.StartsWith("netperf,TCP_CRR,false,false,false,true,", StringComparison.Ordinal) && l.Contains(",OP/s,"));
        }
    }

    [Fact]
    public void Across_is_taken_and_changes_nothing_as_in_k8s_netperf_whose_Run_shadows_the_flag_and_a_note_says_so()
    {
        // k8s-netperf's Run declares its own acrossAZ, which hides the one --across sets: the pods are placed as
        // without it, no "< 2 zones" refusal, and acrossAZ in the results comes from the nodes' zone labels.
        string plain = Path.Combine(_dir, "plain"), across = Path.Combine(_dir, "across");
        var (code, json, _) = CommandLine.Run("run", Fixture("config-v2.yml"), "--results-dir", plain, "--json");
        var (acrossCode, acrossJson, err) = CommandLine.Run("run", Fixture("config-v2.yml"), "--results-dir", across, "--json", "--across");

        Assert.Equal((0, 0), (code, acrossCode));
        Assert.Equal(File.ReadAllText(Path.Combine(plain, "result-1.csv")), File.ReadAllText(Path.Combine(across, "result-1.csv")));
        Assert.Equal(json, acrossJson);
        Assert.All(JsonDocument.Parse(acrossJson).RootElement.EnumerateArray(), d => Assert.False(d.GetProperty("acrossAZ").GetBoolean()));
        Assert.Contains("--across changes nothing, as in k8s-netperf", err);
    }

    [Fact]
    public void Json_is_its_array_of_documents_with_its_keys_and_all_runs_hostNetwork_beside_pod_network()
    {
        var (code, output, err) = CommandLine.Run("run", Fixture("netperf-svc.yml"), "--results-dir", _dir, "--json", "--all");
        Assert.True(code is 0 or 1, err);
        Assert.StartsWith("[\n   {\n     \"uuid\": \"k8s-netperf\",\n     \"timestamp\": \"1970-01-01T00:00:01Z\",", output, StringComparison.Ordinal); // MarshalIndent(docs, " ", "  ")
        var docs = JsonDocument.Parse(output).RootElement;
        Assert.Equal(3, docs.GetArrayLength()); // service tests are not run on the host network
        string[] keys = ["uuid", "timestamp", "hostNetwork", "driver", "parallelism", "profile", "duration", "service", "local", "virt", "acrossAZ", "samples",
            "messageSize", "burst", "throughput", "latency", "tputMetric", "ltcyMetric", "tcpRetransmits", "udpLossPercent", "toolVersion", "toolGitCommit",
            "metadata", "serverCPU", "serverCPUCollected", "serverPods", "serverPodsMem", "clientCPU", "clientCPUCollected", "clientPods", "clientPodsMem",
            "confidence", "serverNodeInfo", "clientNodeInfo", "serverVswtichCpu", "serverVswitchMem", "clientVswtichCpu", "clientVswitchMem", "externalServer",
            "udnInfo", "bridgeInfo", "sriovInfo", "macvlanInfo", "localnetInfo"]; // archive.go's Doc, in its order
        foreach (var d in docs.EnumerateArray())
        {
            Assert.Equal(keys, d.EnumerateObject().Select(p => p.Name));
            Assert.True(d.GetProperty("throughput").GetDouble() > 0);
            Assert.Equal(2, d.GetProperty("confidence").GetArrayLength());
            Assert.True(d.GetProperty("service").GetBoolean());
        }

        var udp = docs.EnumerateArray().Single(d => d.GetProperty("profile").GetString() == "UDP_STREAM");
        Assert.InRange(udp.GetProperty("udpLossPercent").GetDouble(), 0, 100);
    }

    [Fact]
    public void With_serverIP_the_client_pod_measures_a_server_beyond_the_cluster_and_External_Server_says_so()
    {
        // k8s-netperf's executeWorkload: --serverIP sets the result's ExternalServer (archive.go writes it in the CSV's
        // seventh column and as externalServer); without it every row is false.
        var (code, output, err) = CommandLine.Run("run", Fixture("config-v2.yml"), "--results-dir", _dir, "--serverIP", "203.0.113.7", "--json");
        Assert.True(code == 0, err);
        var doc = JsonDocument.Parse(output).RootElement.EnumerateArray().Single();
        Assert.True(doc.GetProperty("externalServer").GetBoolean());
        Assert.False(doc.GetProperty("hostNetwork").GetBoolean());
        Assert.True(doc.GetProperty("throughput").GetDouble() > 0); // the egress path measured something
        var row = File.ReadAllText(Path.Combine(_dir, "result-1.csv")).Split('\n')[1].Split(',');
        Assert.Equal("true", row[6]);

        var (internalCode, _, internalErr) = CommandLine.Run("run", Fixture("config-v2.yml"), "--results-dir", _dir);
        Assert.True(internalCode == 0, internalErr);
        Assert.Equal("false", File.ReadAllText(Path.Combine(_dir, "result-1.csv")).Split('\n')[1].Split(',')[6]);

        // k8s-netperf deploys only the client pod for an external server: no hostNetwork run to compare it with.
        var (refused, _, refusal) = CommandLine.Run("run", Fixture("config-v2.yml"), "--results-dir", _dir, "--serverIP", "203.0.113.7", "--all");
        Assert.Equal(3, refused);
        Assert.Contains("--serverIP", refusal);
    }

    [Fact]
    public void All_compares_hostNetwork_with_pod_network_TCP_STREAM_and_exits_1_beyond_the_tolerance()
    {
        // The overlay's encapsulation costs the pod network a few percent of a single stream against the host's own
        // path: a tolerance of 0 fails, one of 100 passes.
        var (tight, _, err) = CommandLine.Run("run", Fixture("config-v2.yml"), "--results-dir", _dir, "--all", "--tcp-tolerance", "0");
        Assert.Equal(1, tight);
        Assert.Contains("percent difference when comparing hostNetwork to podNetwork is greater than 0.0 percent", err);
        var (loose, _, _) = CommandLine.Run("run", Fixture("config-v2.yml"), "--results-dir", _dir, "--all", "--tcp-tolerance", "100");
        Assert.Equal(0, loose);
    }

    [Fact]
    public void A_UDP_stream_sends_as_fast_as_its_core_allows_as_netperf_does_not_at_NetPerfs_default_pace()
    {
        // netperf's UDP_STREAM has no pacing (each send() follows the last one's return), so 8 KiB datagrams on a
        // 10 Gbit/s NIC are held by the sender's CPU, not by NetPerf's own UDP_STREAM default of 1 Gbit/s, which
        // capped them at 999.4 Mb/s (1 Gbit/s less the first datagram's wait).
        string f = Path.Combine(_dir, "udp.yml");
        File.WriteAllText(f, "tests:\n  - U:\n    parallelism: 1\n    profile: UDP_STREAM\n    duration: 1\n    samples: 1\n    messagesize: 8192\n");
        var (code, _, err) = CommandLine.Run("run", f, "--results-dir", _dir);
        Assert.True(code == 0, err);
        var row = File.ReadAllText(Path.Combine(_dir, "result-1.csv")).Split('\n', StringSplitOptions.RemoveEmptyEntries)[1].Split(',');
        Assert.Equal("Mb/s", row[20]);
        Assert.True(double.Parse(row[19], System.Globalization.CultureInfo.InvariantCulture) > 1000, string.Join(',', row));
    }

    [Fact]
    public void A_test_without_parallelism_is_refused_at_its_line_as_validConfig_refuses_it()
    {
        string f = Path.Combine(_dir, "bad.yml");
        File.WriteAllText(f, "tests:\n  - A:\n    profile: TCP_RR\n    duration: 1\n    samples: 1\n    messagesize: 64\n");
        var (code, _, err) = CommandLine.Run("run", f, "--results-dir", _dir);
        Assert.Equal(3, code);
        Assert.Contains("bad.yml:2:5: error: tests[0].parallelism: must be > 0", err);
    }

    [Fact]
    public void NetPerfs_own_output_format_is_refused_for_a_k8s_netperf_config_and_nothing_runs()
    {
        var (code, _, err) = CommandLine.Run("run", Fixture("netperf.yml"), "--results-dir", _dir, "-o", "json");
        Assert.Equal(ExitCodes.UsageError, code);
        Assert.Contains("--json", err, StringComparison.Ordinal);
        Assert.Empty(Directory.GetFileSystemEntries(_dir));
    }
}

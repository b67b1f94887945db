using NetPerf.Network.Addressing;
using NetPerf.Network.Cpu;
using NetPerf.Network.Stack;
using NetPerf.Network.Tests.Stack;

namespace NetPerf.Network.Tests.Cpu;

public class CostTableTests
{
    [Fact]
    public void The_shipped_defaults_cover_every_stage_and_name_a_source_for_each()
    {
        var table = CostTable.Default();
        foreach (var stage in Enum.GetValues<KernelStage>())
        {
            Assert.False(string.IsNullOrWhiteSpace(table.Sources[stage]), $"{stage} has no source");
            // Interference and Preemption are interruptions, not stages of a path: a profile may have none.
            Assert.True(table[stage].FixedPicoseconds > 0 || stage is KernelStage.Interference or KernelStage.Preemption, $"{stage} costs nothing");
        }
    }

    [Fact]
    public void A_legacy_iptables_rule_costs_what_measurements_md_R17_says_7_to_9_ns()
    {
        Assert.InRange(CostTable.Default()[KernelStage.NetfilterRule].FixedPicoseconds, 7_000, 9_000);
    }

    [Fact]
    public void A_bad_table_reports_every_problem_with_its_line_and_what_is_allowed()
    {
        const string text = """
            stage,fixed_ns,ns_per_byte,source
            Syscall,100,0.1,measured
            Sycall,100,0,typo
            UdpOutput,-5,0,negative
            Syscall,100,0,again
            IpOutput,12,0,
            """;
        var e = Assert.Throws<CostTableFormatException>(() => CostTable.Parse(new StringReader(text), "my-costs.csv"));
        Assert.Contains(e.Problems, p => p.StartsWith("my-costs.csv:3: unknown stage 'Sycall'; stages are: Syscall,", StringComparison.Ordinal));
        Assert.Contains(e.Problems, p => p.StartsWith("my-costs.csv:4: fixed_ns '-5' is not allowed", StringComparison.Ordinal));
        Assert.Contains(e.Problems, p => p.StartsWith("my-costs.csv:5: stage Syscall appears again (first at line 2)", StringComparison.Ordinal));
        Assert.Contains(e.Problems, p => p.StartsWith("my-costs.csv:6: stage IpOutput has no source", StringComparison.Ordinal));
        Assert.Contains(e.Problems, p => p == "my-costs.csv: stage UdpInput is missing; every stage needs a row");
    }

    [Fact]
    public void A_file_without_the_header_is_refused_at_line_1()
    {
        var e = Assert.Throws<CostTableFormatException>(() => CostTable.Parse(new StringReader("Syscall,1,0,x"), "c.csv"));
        Assert.Equal(["c.csv:1: the header must be: stage,fixed_ns,ns_per_byte,source"], e.Problems);
    }

    private const string Header = "stage,fixed_ns,ns_per_byte,source";

    [Fact]
    public void A_stray_quote_is_a_problem_at_its_line_not_a_CsvHelper_exception()
    {
        var e = Assert.Throws<CostTableFormatException>(() => CostTable.Parse(new StringReader($"{Header}\nSyscall,12\"3,0,x\n"), "q.csv"));
        Assert.Contains(e.Problems, p => p.StartsWith("q.csv:2: a quote inside an unquoted field", StringComparison.Ordinal));
    }

    [Fact]
    public void A_short_row_is_a_problem_at_its_line_not_a_CsvHelper_exception()
    {
        var e = Assert.Throws<CostTableFormatException>(() => CostTable.Parse(new StringReader($"{Header}\nSyscall,100,0.1,measured\nUdpOutput,5\n"), "s.csv"));
        Assert.Contains("s.csv:3: 2 field(s); every row has 4: stage,fixed_ns,ns_per_byte,source", e.Problems);
    }

    [Fact]
    public void An_unterminated_quote_is_a_problem_not_a_CsvHelper_exception()
    {
        var e = Assert.Throws<CostTableFormatException>(() => CostTable.Parse(new StringReader($"{Header}\n\"Syscall,100,0.1,measured\n"), "u.csv"));
        Assert.NotEmpty(e.Problems);
    }

    [Fact]
    public void A_huge_field_is_cut_short_in_its_problem()
    {
        var e = Assert.Throws<CostTableFormatException>(() => CostTable.Parse(new StringReader($"{Header}\n{new string('x', 100_000)},1,0,s\n"), "h.csv"));
        Assert.All(e.Problems, p => Assert.True(p.Length < 2_000, $"a problem of {p.Length} characters"));
    }

    [Fact]
    public void Loading_dev_zero_or_a_file_over_1_MiB_is_refused_with_an_IOException()
    {
        if (File.Exists("/dev/zero"))
        {
            Assert.Throws<IOException>(() => CostTable.Load("/dev/zero"));
        }

        string big = Path.GetTempFileName();
        try
        {
            File.WriteAllText(big, Header + "\n" + new string('x', (int)CostTable.MaxFileBytes));
            Assert.Contains("at most 1,048,576", Assert.Throws<IOException>(() => CostTable.Load(big)).Message, StringComparison.Ordinal);
        }
        finally
        {
            File.Delete(big);
        }
    }
}

/// <summary>The spread of a new connection's work (work_sigma, on the TcpConnection row): read, written back, and refused where it does not belong.</summary>
public class ConnectionWorkSigmaTests
{
    /// <summary>The physical profile with one column added and <paramref name="cell"/> on the row of <paramref name="stage"/>.</summary>
    private static string WithSigma(KernelStage stage, string cell)
    {
        var text = new StringWriter();
        CostTable.Default().Write(text);
        var lines = text.ToString().Split('\n', StringSplitOptions.RemoveEmptyEntries).ToList();
        int column = lines[0].Split(',').ToList().IndexOf("work_sigma");
        int row = lines.FindIndex(l => l.StartsWith($"{stage},", StringComparison.Ordinal));
        var fields = lines[row].Split(',').ToList();
        fields[column] = cell;
        lines[row] = string.Join(',', fields);
        return string.Join('\n', lines);
    }

    [Fact]
    public void A_tables_connection_spread_is_read_and_written_back()
    {
        var table = CostTable.Parse(new StringReader(WithSigma(KernelStage.TcpConnection, "0.2")), "w.csv");
        Assert.Equal(0.2, table.ConnectionWorkSigma);
        Assert.Equal(0.2, table.Clone().ConnectionWorkSigma);

        var again = new StringWriter();
        table.Write(again);
        Assert.Equal(0.2, CostTable.Parse(new StringReader(again.ToString()), "again.csv").ConnectionWorkSigma);
    }

    [Fact]
    public void The_physical_profile_has_no_connection_spread()
    {
        // No physical machine was measured: every connection's work is the table's, as before calibrate fitted one.
        Assert.Equal(0, CostTable.Default().ConnectionWorkSigma);
    }

    [Fact]
    public void A_spread_on_another_row_or_out_of_range_is_refused_at_its_line()
    {
        var misplaced = Assert.Throws<CostTableFormatException>(() => CostTable.Parse(new StringReader(WithSigma(KernelStage.Syscall, "0.2")), "m.csv"));
        Assert.Contains(misplaced.Problems, p => p == "m.csv:2: work_sigma is given on the Syscall row; it belongs on the TcpConnection row only (the spread of a new connection's work)");

        foreach (var bad in new[] { "-0.1", "3", "wide" })
        {
            var e = Assert.Throws<CostTableFormatException>(() => CostTable.Parse(new StringReader(WithSigma(KernelStage.TcpConnection, bad)), "b.csv"));
            Assert.Contains(e.Problems, p => p.Contains($"work_sigma '{bad}' is not allowed; give the lognormal sigma of a connection's work as a number from 0 to 2", StringComparison.Ordinal));
        }
    }

    [Fact]
    public void A_first_run_premium_is_read_from_cold_ns_written_back_and_a_table_without_one_keeps_its_old_format()
    {
        var table = CostTable.Default();
        var written = new StringWriter();
        table.Write(written);
        Assert.StartsWith("stage,fixed_ns,ns_per_byte,per_busy_ms,work_sigma,source", written.ToString(), StringComparison.Ordinal);

        table[KernelStage.ConntrackLookup] = table[KernelStage.ConntrackLookup] with { ColdPicoseconds = 312_500 };
        var withCold = new StringWriter();
        table.Write(withCold);
        Assert.StartsWith("stage,fixed_ns,ns_per_byte,cold_ns,", withCold.ToString(), StringComparison.Ordinal);
        var read = CostTable.Parse(new StringReader(withCold.ToString()), "cold.csv");
        Assert.Equal(312_500, read[KernelStage.ConntrackLookup].ColdPicoseconds);
        Assert.Equal(0, read[KernelStage.Syscall].ColdPicoseconds);

        var bad = withCold.ToString().Replace("ConntrackLookup,", "ConntrackLookup,", StringComparison.Ordinal).Replace(",312.5,", ",-3,", StringComparison.Ordinal);
        var e = Assert.Throws<CostTableFormatException>(() => CostTable.Parse(new StringReader(bad), "cold.csv"));
        Assert.Contains(e.Problems, p => p.Contains("cold_ns '-3' is not allowed", StringComparison.Ordinal));
    }

    [Fact]
    public void A_stage_s_first_run_premium_is_paid_once_on_a_packet_s_journey_through_one_machine_and_again_on_the_next_machine()
    {
        // Pod to pod on one node: two veth transmits (pod to cni0's port, port to pod), one premium. Across nodes on
        // physical NICs: one veth transmit on each machine, and each machine's caches are its own, so each pays it.
        // The next datagram is a new journey and pays again.
        var costs = CostTable.Free();
        costs[KernelStage.VethTransmit] = new StageCost(100_000, 0) { ColdPicoseconds = 40_000 };
        var pair = NodePair.FlannelVxlan(costs, pods1: 2);
        var near = new UdpSocket(pair.Pods1[1], NodePair.PodIp(1, 2), 7000) { Receiver = new Collector() };
        var far = new UdpSocket(pair.Pod2, NodePair.PodIp(2, 1), 7000) { Receiver = new Collector() };
        var tx = new UdpSocket(pair.Pods1[0], NodePair.PodIp(1, 1), 7000) { Receiver = new Collector() };
        long Veth() => pair.Nodes[1].CpuPicosecondsOf(KernelStage.VethTransmit) + pair.Nodes[2].CpuPicosecondsOf(KernelStage.VethTransmit);
        long Send(Ipv4Address to)
        {
            long before = Veth();
            tx.Send(to, 7000, 10);
            pair.Bed.Sim.Run();
            return Veth() - before;
        }

        Assert.Equal((2 * 100_000) + 40_000, Send(NodePair.PodIp(1, 2)));
        Assert.Equal((2 * 100_000) + 40_000, Send(NodePair.PodIp(1, 2)));
        Assert.Equal((2 * 100_000) + (2 * 40_000), Send(NodePair.PodIp(2, 1)));
        Assert.Equal(2, near.Received);
        Assert.Equal(1, far.Received);
    }
}

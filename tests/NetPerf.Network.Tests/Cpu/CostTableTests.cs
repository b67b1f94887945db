using NetPerf.Network.Cpu;

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
            Assert.True(table[stage].FixedPicoseconds > 0, $"{stage} costs nothing");
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
}

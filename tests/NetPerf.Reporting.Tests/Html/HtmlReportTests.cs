using System.Xml;
using System.Xml.Linq;
using NetPerf.Reporting.Plots;

namespace NetPerf.Reporting.Tests.Html;

public sealed class HtmlReportTests
{
    [Fact]
    public void The_report_has_a_section_per_path_and_a_row_per_variant_on_each()
    {
        XDocument html = Parse(HtmlReport.Render(SyntheticResults.Create(), SyntheticResults.Plots));

        List<string> headings = html.Descendants("h2").Select(h => h.Value).ToList();
        Assert.Equal(["Verdict", .. SyntheticResults.Paths, "Throughput"], headings);
        foreach (string path in SyntheticResults.Paths)
        {
            XElement table = Section(html, path).Descendants("table").First();
            List<string> rowVariants = table.Descendants("tbody").Elements("tr")
                .Select(tr => tr.Element("th")!.Nodes().OfType<XText>().First().Value.Trim()).ToList();
            Assert.Equal(SyntheticResults.Variants.Select(v => v.Variant), rowVariants);
        }
    }

    [Fact]
    public void A_variant_working_in_user_space_has_its_CPU_called_kernel_and_user_space_and_its_user_space_stages_marked()
    {
        string text = HtmlReport.Render(VerdictTests.SleeveAgainstFastdp(), []);

        Assert.Contains("<th>kernel and user-space CPU</th>", text, StringComparison.Ordinal); // the verdict's column
        Assert.Contains("(user space +0.6", text, StringComparison.Ordinal);
        Assert.Contains("Kernel and user-space CPU by node and stage", text, StringComparison.Ordinal);
        Assert.Contains("<td>SleeveEncapsulate (user space)</td>", text, StringComparison.Ordinal);
        Assert.Contains("<td>ContextSwitch</td>", text, StringComparison.Ordinal); // the scheduler's: kernel
        Assert.DoesNotContain("Kernel CPU by node and stage", text, StringComparison.Ordinal);

        string kernelOnly = HtmlReport.Render(SyntheticResults.Create(), []);
        Assert.DoesNotContain("user space", kernelOnly, StringComparison.Ordinal);
    }

    [Fact]
    public void Ratios_are_against_the_baseline_variant()
    {
        ResultSet results = SyntheticResults.Create();
        XDocument html = Parse(HtmlReport.Render(results, []));
        XElement table = Section(html, "pod-cross-node").Descendants("table").First();
        List<string> header = table.Descendants("thead").Descendants("th").Select(th => th.Value).ToList();
        List<XElement> rows = table.Descendants("tbody").Elements("tr").ToList();
        int p99Ratio = header.IndexOf("p99 vs baseline");

        // Calico skips VXLAN's 4.5 us per round trip: p99 (28 + ln(100)/3) / (32.5 + ln(100)/3) = 0.868.
        string Cell(int row, int column) => rows[row].Elements().ElementAt(column).Value;
        Assert.Equal("1.00×", Cell(0, p99Ratio));
        Assert.Equal("0.87×", Cell(1, p99Ratio));
        Assert.Equal("baseline", rows[0].Descendants("span").Single().Value);
    }

    [Fact]
    public void Every_plot_is_inlined_as_SVG_and_nothing_is_fetched_from_elsewhere()
    {
        ResultSet results = SyntheticResults.Create();
        IReadOnlyList<RenderedPlot> plots = SyntheticResults.Plots;

        string text = HtmlReport.Render(results, plots);
        XDocument html = Parse(text);

        Assert.Equal(plots.Count, html.Descendants("svg").Count());
        Assert.All(html.Descendants("svg"), svg => Assert.StartsWith("0 0 ", (string?)svg.Attribute("viewBox")));
        Assert.DoesNotContain("http://", text, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain("https://", text, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain(html.Descendants(), e => e.Attribute("src") is not null);
        Assert.DoesNotContain(html.Descendants(), e => e.Name.LocalName is "script" or "link" or "iframe" or "img");
        Assert.All(html.Descendants("a"), a => Assert.StartsWith("#", (string?)a.Attribute("href")));
    }

    [Fact]
    public void Text_from_the_results_is_escaped()
    {
        ResultSet results = SyntheticResults.Create();

        string text = HtmlReport.Render(results, []);
        XDocument html = Parse(text);

        Assert.DoesNotContain("<script", text, StringComparison.OrdinalIgnoreCase);
        Assert.Equal(results.Description, html.Descendants("p").Single(p => (string?)p.Attribute("class") == "description").Value);
        Assert.Equal("NetPerf: " + SyntheticResults.Scenario, html.Descendants("h1").Single().Value);
    }

    [Fact]
    public void A_partial_run_carries_a_banner_and_marks_its_unfinished_rows()
    {
        XDocument partial = Parse(HtmlReport.Render(SyntheticResults.Create(partial: true), []));
        XDocument whole = Parse(HtmlReport.Render(SyntheticResults.Create(partial: false), []));

        Assert.Contains(partial.Descendants("p"), p => (string?)p.Attribute("role") == "alert" && p.Value.StartsWith("Partial run."));
        Assert.DoesNotContain(whole.Descendants("p"), p => (string?)p.Attribute("role") == "alert");
        XElement unfinished = Section(partial, "cluster-ip").Descendants("tr").Single(tr => (string?)tr.Attribute("class") == "partial");
        Assert.StartsWith("calico-bgp/ipvs", unfinished.Element("th")!.Value);
    }

    [Fact]
    public void The_CPU_table_has_a_row_per_node_and_stage_and_totals_that_match_the_bars()
    {
        ResultSet results = SyntheticResults.Create();
        XElement cpu = Section(Parse(HtmlReport.Render(results, [])), "pod-cross-node")
            .Descendants("table").Single(t => (string?)t.Attribute("class") == "cpu");
        List<XElement> rows = cpu.Descendants("tbody").Elements("tr").ToList();

        Assert.Equal(2 * 6 + 1, rows.Count); // two nodes x six stages, and the total
        double flannelTotal = results.Cpu.Where(r => r.Path == "pod-cross-node" && r.Variant == SyntheticResults.Baseline)
            .Sum(r => r.NanosecondsPerRequest);
        Assert.Equal(HtmlReport.Number(flannelTotal), rows[^1].Elements("td").First().Value);
    }

    [Theory]
    [InlineData(32.833333333333336, "32.83")]
    [InlineData(0.000123456, "0.000123")]
    [InlineData(121827.41116751268, "121,827")]
    [InlineData(4.305, "4.305")]
    [InlineData(0, "0")]
    public void Numbers_show_four_significant_figures_in_the_invariant_culture(double value, string shown) =>
        Assert.Equal(shown, HtmlReport.Number(value));

    [Fact]
    public void The_report_opens_with_its_verdict_naming_the_costliest_and_cheapest_variant_and_the_stage_between_them()
    {
        XDocument html = Parse(HtmlReport.Render(SyntheticResults.Create(), []));

        XElement first = html.Descendants("section").First();
        Assert.Equal("Verdict", first.Element("h2")!.Value);
        List<XElement> rows = first.Descendants("tbody").Elements("tr").ToList();
        Assert.Equal(SyntheticResults.Paths, rows.Select(r => r.Element("th")!.Value));
        List<string> cells = rows[0].Elements("td").Select(td => td.Value).ToList();
        Assert.Equal(["rr-64", "flannel-vxlan/iptables", "calico-bgp/iptables", "1.17×"], cells.Take(4));
        Assert.Equal("VxlanEncapsulate (tunnel) +0.6175 µs", cells[^1]);
    }

    [Fact]
    public void Path_sections_follow_the_verdict_and_a_path_where_nothing_differs_comes_last()
    {
        ResultSet results = SyntheticResults.Create();
        // "localhost" first in run order, every variant identical on it.
        SummaryRow[] same = results.Summary.Where(r => r.Path == "pod-cross-node" && r.Variant == SyntheticResults.Baseline)
            .SelectMany(r => SyntheticResults.Variants.Select(v => r with { Path = "localhost", Variant = v.Variant, Cni = v.Cni, KubeProxy = v.KubeProxy })).ToArray();
        CpuRow[] sameCpu = results.Cpu.Where(r => r.Path == "pod-cross-node" && r.Variant == SyntheticResults.Baseline)
            .SelectMany(r => SyntheticResults.Variants.Select(v => r with { Path = "localhost", Variant = v.Variant, Cni = v.Cni, KubeProxy = v.KubeProxy })).ToArray();
        results = results with { Summary = [.. same, .. results.Summary], Cpu = [.. sameCpu, .. results.Cpu] };

        XDocument html = Parse(HtmlReport.Render(results, []));

        Assert.Equal(["Verdict", "pod-cross-node", "cluster-ip", "localhost"], html.Descendants("h2").Select(h => h.Value));
        Assert.Contains("No difference between the variants (within 0.5%) on: localhost (rr-64).",
            html.Descendants("section").First().Elements("p").Select(p => p.Value));
    }

    [Fact]
    public void A_variant_named_after_its_CNI_gets_no_CNI_column_repeating_it()
    {
        ResultSet results = SyntheticResults.Create();
        // Variants named by CNI alone, all on one kube-proxy mode, as a CNI comparison names them.
        static string Name(string cni) => cni;
        results = results with
        {
            Baseline = "flannel-vxlan",
            Summary = results.Summary.Where(r => r.KubeProxy == "iptables").Select(r => r with { Variant = Name(r.Cni) }).ToList(),
            Cpu = results.Cpu.Where(r => r.KubeProxy == "iptables").Select(r => r with { Variant = Name(r.Cni) }).ToList(),
            Cdfs = [],
        };
        XDocument html = Parse(HtmlReport.Render(results, []));
        List<string> header = Section(html, "pod-cross-node").Descendants("thead").First().Descendants("th").Select(th => th.Value).ToList();

        Assert.Equal("variant", header[0]);
        Assert.DoesNotContain("CNI", header);
        Assert.DoesNotContain("kube-proxy", header);
        Assert.Contains("Every variant: kube-proxy iptables.", html.Descendants("p").Select(p => p.Value));
    }

    [Fact]
    public void A_variant_whose_name_does_not_say_its_CNI_keeps_the_CNI_column()
    {
        ResultSet results = SyntheticResults.Create();
        results = results with
        {
            Baseline = "slow",
            Summary = results.Summary.Where(r => r.KubeProxy == "iptables").Select(r => r with { Variant = r.Cni == "calico-bgp" ? "fast" : "slow" }).ToList(),
            Cpu = results.Cpu.Where(r => r.KubeProxy == "iptables").Select(r => r with { Variant = r.Cni == "calico-bgp" ? "fast" : "slow" }).ToList(),
            Cdfs = [],
        };
        XDocument html = Parse(HtmlReport.Render(results, []));
        List<string> header = Section(html, "pod-cross-node").Descendants("thead").First().Descendants("th").Select(th => th.Value).ToList();

        Assert.Equal(["variant", "CNI", "workload"], header.Take(3));
    }

    internal static XDocument Parse(string html)
    {
        var settings = new XmlReaderSettings { DtdProcessing = DtdProcessing.Ignore };
        using var reader = XmlReader.Create(new StringReader(html), settings);
        return XDocument.Load(reader);
    }

    private static XElement Section(XDocument html, string path) =>
        html.Descendants("section").Single(s => s.Element("h2")?.Value == path);
}

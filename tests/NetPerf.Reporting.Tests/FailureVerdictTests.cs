namespace NetPerf.Reporting.Tests;

/// <summary>
/// Failures that percentiles hide: of 29,375 TCP_CRR connections, three that waited for a SYN retransmission (1 s
/// each: the SNAT port race's insert_failed) move neither p50 nor p99, and the CPU verdict names the variant that
/// failed as the cheaper one. The failures are named per path, beside every variant's throughput.
/// </summary>
public sealed class FailureVerdictTests
{
    private static ResultSet WithRows(params (string Variant, string Path, string Metric, string Unit, double Mean)[] rows)
    {
        ResultSet results = SyntheticResults.Create();
        SummaryRow template = results.Summary.First(r => r.Variant == SyntheticResults.Baseline && r.Path == "pod-cross-node");
        var extra = rows.Select(x =>
        {
            var variant = SyntheticResults.Variants.Single(v => v.Variant == x.Variant);
            return template with
            {
                Variant = x.Variant, Cni = variant.Cni, KubeProxy = variant.KubeProxy, Path = x.Path, Metric = x.Metric, Unit = x.Unit,
                Count = 5, Mean = x.Mean, Ci95 = null, P50 = null, P90 = null, P99 = null, P999 = null,
            };
        });
        return results with { Summary = [.. results.Summary, .. extra] };
    }

    [Fact]
    public void A_run_in_which_nothing_failed_has_no_failures()
    {
        Assert.Empty(FailureVerdict.Of(SyntheticResults.Create()));
    }

    [Fact]
    public void The_path_on_which_one_variant_met_retransmission_timeouts_lists_every_variant_and_the_others_as_none()
    {
        ResultSet results = WithRows(
            ("calico-bgp/iptables", "cluster-ip", "tcp_timeouts", "timeouts", 3),
            ("calico-bgp/iptables", "cluster-ip", "refused", "connections", 0.4),
            ("flannel-vxlan/iptables", "cluster-ip", "lost", "requests", 0)); // a lost count of zero is no failure

        PathFailures failed = Assert.Single(FailureVerdict.Of(results));

        Assert.Equal("cluster-ip", failed.Path);
        Assert.Equal(SyntheticResults.Variants.Select(v => v.Variant), failed.Variants.Select(v => v.Variant));
        VariantFailures calico = failed.Variants.Single(v => v.Variant == "calico-bgp/iptables");
        Assert.Equal([new FailureCount("connections refused", 0.4), new FailureCount("TCP retransmission timeouts", 3)], calico.Failures);
        Assert.All(failed.Variants.Where(v => v != calico), v => Assert.Empty(v.Failures));
        Assert.All(failed.Variants, v => Assert.True(v.TransactionsPerSecond > 0));
        string sentence = FailureVerdict.Sentence(failed);
        Assert.Contains("calico-bgp/iptables: 0.4 connections refused, 3 TCP retransmission timeouts (", sentence, StringComparison.Ordinal);
        Assert.Contains("flannel-vxlan/iptables: none (", sentence, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(7847, 7847, null)] // every lost request was a refused connection's: named once, as refused
    [InlineData(10, 15, 5.0)]      // five more lost otherwise (a UDP probe, a reset mid-stream): those are named
    public void A_failed_connections_request_is_not_counted_again_as_lost(double refused, double lost, double? besides)
    {
        ResultSet results = WithRows(
            ("calico-bgp/iptables", "node-port", "refused", "connections", refused),
            ("calico-bgp/iptables", "node-port", "lost", "requests", lost));

        VariantFailures calico = Assert.Single(FailureVerdict.Of(results)).Variants.Single(v => v.Variant == "calico-bgp/iptables");

        Assert.Equal(new FailureCount("connections refused", refused), calico.Failures[0]);
        Assert.Equal(besides is null ? [] : [new FailureCount("requests lost besides the failed connections'", besides.Value)], calico.Failures.Skip(1));
    }

    [Fact]
    public void A_replication_that_delivered_nothing_has_no_loss_figure_and_is_not_called_a_failure_by_it()
    {
        // ResultSetBuilder leaves "lost" empty (NaN) for a replication with nothing delivered: not a count of zero, not a failure.
        ResultSet results = WithRows(("calico-bgp/ipvs", "pod-cross-node", "lost", "requests", double.NaN));
        Assert.Empty(FailureVerdict.Of(results));
    }

    [Fact]
    public void The_report_has_a_failures_section_only_when_a_variant_failed()
    {
        ResultSet failing = WithRows(("calico-bgp/ipvs", "pod-cross-node", "lost", "datagrams", 12));
        string with = HtmlReport.Render(failing, []);
        string without = HtmlReport.Render(SyntheticResults.Create(), []);
        Assert.Contains("<section id=\"failures\">", with, StringComparison.Ordinal);
        Assert.Contains("12 datagrams lost", with, StringComparison.Ordinal);
        Assert.DoesNotContain("id=\"failures\"", without, StringComparison.Ordinal);
    }
}

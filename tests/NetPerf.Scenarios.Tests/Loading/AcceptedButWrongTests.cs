using NetPerf.Scenarios.Loading;

namespace NetPerf.Scenarios.Tests.Loading;

/// <summary>Files that were accepted though wrong, and failed later or did something else: now refused where they are wrong.</summary>
public class AcceptedButWrongTests
{
    private const string Workload = "workloads: [{name: a, test: TCP_RR}]\n";

    [Fact]
    public void A_name_ending_in_a_newline_is_refused_rather_than_naming_a_results_folder_with_one()
    {
        var e = Assert.Throws<ScenarioException>(() => ScenarioReader.Parse("name: |\n  web\n" + Workload, "n.yaml"));

        var error = Assert.Single(e.Errors);
        Assert.Equal((1, 7), (error.Line, error.Column));
        Assert.StartsWith("name: 'web\\n' names the results folder", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_workload_name_ending_in_a_newline_is_refused_too()
    {
        var e = Assert.Throws<ScenarioException>(() => ScenarioReader.Parse("workloads: [{name: \"a\\n\", test: TCP_RR}]\n", "n.yaml"));

        Assert.StartsWith("workloads[0].name: 'a\\n' names result files", Assert.Single(e.Errors).Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("10.200.0.0/32")]
    [InlineData("10.200.0.0/31")]
    public void A_service_cidr_that_holds_no_ClusterIP_is_refused_instead_of_wrapping(string cidr)
    {
        var e = Assert.Throws<ScenarioException>(() => ScenarioReader.Parse($"cluster: {{serviceCidr: {cidr}}}\n{Workload}", "c.yaml"));

        Assert.StartsWith($"cluster.serviceCidr {cidr} holds 0 ClusterIPs; the scenario needs", Assert.Single(e.Errors).Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_service_cidr_given_as_a_list_is_refused_instead_of_ignored()
    {
        var e = Assert.Throws<ScenarioException>(() => ScenarioReader.Parse($"cluster: {{serviceCidr: [10.96.0.0/12]}}\n{Workload}", "c.yaml"));

        Assert.StartsWith("cluster.serviceCidr: expected an IPv4 prefix like 10.96.0.0/12; found a list", Assert.Single(e.Errors).Message, StringComparison.Ordinal);
    }

    [Fact]
    public void An_ipBlock_given_as_a_list_is_refused_at_the_list_instead_of_ignored()
    {
        const string text = """
            networkPolicies:
              - name: p
                podSelector: {app: server}
                ingress:
                  - from:
                      - ipBlock: [10.0.0.0/8, 192.168.0.0/16]
            workloads: [{name: a, test: TCP_RR}]
            """;

        var e = Assert.Throws<ScenarioException>(() => ScenarioReader.Parse(text, "p.yaml"));

        var error = Assert.Single(e.Errors);
        Assert.Equal((6, 22), (error.Line, error.Column));
        Assert.StartsWith("networkPolicies[0].ingress[0].from[0].ipBlock: expected one IPv4 prefix like 10.0.0.0/8; found a list", error.Message, StringComparison.Ordinal);
    }
}

using NetPerf.Scenarios.Loading;
using NetPerf.Scenarios.Model;

namespace NetPerf.Scenarios.Tests.Loading;

/// <summary>
/// addNetworkPolicy and removeNetworkPolicy name a policy that exists (or, for an addition, one of the scenario's
/// networkPolicies) at the entry's time, as the API server would: a create of an existing name is a conflict, a
/// delete of a missing one is NotFound. Refused at the entry's networkPolicy with what exists.
/// </summary>
public class TimelinePolicyValidationTests
{
    private const string Base = """
        duration: 100ms
        cluster: {cni: calico-bgp}
        deployments: [{name: shop, replicas: 2, labels: {app: shop}}]
        services: [{name: shop, selector: {app: shop}, port: 80, targetPort: 8080}]
        networkPolicies:
          - {name: deny-all, podSelector: {app: shop}}
          - {name: allow-web, podSelector: {app: shop}, ingress: [{ports: [8080]}]}
        workloads: [{name: crr, test: TCP_CRR, service: shop, paths: [cluster-ip]}]

        """;

    private static ScenarioError Only(string timeline)
    {
        var e = Assert.Throws<ScenarioException>(() => ScenarioReader.Parse(Base + timeline, "t.yaml"));
        return Assert.Single(e.Errors);
    }

    [Fact]
    public void A_policy_is_added_and_removed_by_name_in_time_order()
    {
        var s = ScenarioReader.Parse(Base + """
            timeline:
              - {at: 60ms, action: removeNetworkPolicy, networkPolicy: deny-all}
              - {at: 20ms, action: addNetworkPolicy, networkPolicy: deny-all}
              - {at: 40ms, action: removeNetworkPolicy, networkPolicy: allow-web}
            """, "t.yaml");

        Assert.Equal([TimelineAction.AddNetworkPolicy, TimelineAction.RemoveNetworkPolicy, TimelineAction.RemoveNetworkPolicy], s.Timeline.Select(e => e.Action));
        Assert.Equal(["addNetworkPolicy deny-all", "removeNetworkPolicy allow-web", "removeNetworkPolicy deny-all"], s.Timeline.Select(e => e.Label));
    }

    [Fact]
    public void Adding_a_policy_the_scenario_does_not_define_is_refused_at_its_name_with_the_ones_it_does()
    {
        var error = Only("timeline:\n  - {at: 10ms, action: addNetworkPolicy, networkPolicy: deny-al}\n");
        Assert.Equal((10, 57), (error.Line, error.Column)); // eight lines of Base, "timeline:", then the entry's networkPolicy value
        Assert.Equal("timeline[0].networkPolicy: no NetworkPolicy named 'deny-al' under networkPolicies (did you mean 'deny-all'?); allowed: deny-all, allow-web", error.Message);
    }

    [Fact]
    public void Removing_a_policy_before_its_addition_or_twice_is_refused()
    {
        var early = Only("timeline:\n  - {at: 50ms, action: addNetworkPolicy, networkPolicy: deny-all}\n  - {at: 10ms, action: removeNetworkPolicy, networkPolicy: deny-all}\n");
        Assert.Equal(11, early.Line);
        Assert.Equal("timeline[1].networkPolicy: 'deny-all' does not exist yet at 10ms (timeline[0] adds it at 50ms); allowed: a time after its addition", early.Message);

        var twice = Only("timeline:\n  - {at: 10ms, action: removeNetworkPolicy, networkPolicy: allow-web}\n  - {at: 20ms, action: removeNetworkPolicy, networkPolicy: allow-web}\n");
        Assert.Equal(11, twice.Line);
        Assert.Equal("timeline[1].networkPolicy: 'allow-web' no longer exists at 20ms (removed by timeline[0]); allowed: the policies that exist then: deny-all", twice.Message);
    }

    [Fact]
    public void Adding_a_policy_twice_is_refused_but_re_adding_a_removed_one_is_not()
    {
        var twice = Only("timeline:\n  - {at: 10ms, action: addNetworkPolicy, networkPolicy: deny-all}\n  - {at: 20ms, action: addNetworkPolicy, networkPolicy: deny-all}\n");
        Assert.Equal("timeline[1].networkPolicy: 'deny-all' exists already at 20ms (added by timeline[0]); allowed: one addNetworkPolicy per policy, after its removal if it was removed", twice.Message);

        var s = ScenarioReader.Parse(Base + "timeline:\n  - {at: 10ms, action: addNetworkPolicy, networkPolicy: deny-all}\n  - {at: 20ms, action: removeNetworkPolicy, networkPolicy: deny-all}\n  - {at: 30ms, action: addNetworkPolicy, networkPolicy: deny-all}\n", "t.yaml");
        Assert.Equal(3, s.Timeline.Count);
    }

    [Fact]
    public void A_policy_action_takes_a_networkPolicy_and_nothing_else()
    {
        var missing = Only("timeline:\n  - {at: 10ms, action: removeNetworkPolicy}\n");
        Assert.Contains("networkPolicy", missing.Message, StringComparison.Ordinal);
        var extra = Only("timeline:\n  - {at: 10ms, action: addNetworkPolicy, networkPolicy: deny-all, deployment: shop}\n");
        Assert.Equal("timeline[0].deployment: not used by addNetworkPolicy; addNetworkPolicy takes networkPolicy", extra.Message);
    }
}

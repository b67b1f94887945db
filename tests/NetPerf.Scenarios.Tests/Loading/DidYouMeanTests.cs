using NetPerf.Scenarios.Loading;

namespace NetPerf.Scenarios.Tests.Loading;

/// <summary>"Did you mean": a typo within a third of the word's length, or an unambiguous abbreviation, names the word meant.</summary>
public class DidYouMeanTests
{
    [Fact]
    public void An_abbreviated_value_in_a_scenario_names_the_word_it_abbreviates()
    {
        var e = Assert.Throws<ScenarioException>(() => ScenarioReader.Parse(
            "workloads: [{ name: rr, test: TCP_RR, serviceTime: 10us, serviceDistribution: expo, paths: [localhost] }]\n", "d.yaml"));
        Assert.Contains("did you mean 'exponential'?", e.Message, StringComparison.Ordinal);
        Assert.Contains("d.yaml:1:", e.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("latncy", "latency")]       // one edit
    [InlineData("expo", "exponential")]     // an abbreviation of one word only
    [InlineData("calico-bpg", "calico-bgp")]
    public void A_close_or_abbreviated_word_is_named(string given, string meant) =>
        Assert.Equal($" (did you mean '{meant}'?)", DidYouMean.Suggest(given, ["latency", "exponential", "calico-bgp", "calico-ipip", "fixed"]));

    [Theory]
    [InlineData("calico")]                  // abbreviates two words: no guess
    [InlineData("ex")]                      // too short to abbreviate
    [InlineData("zzzzzz")]                  // close to nothing
    public void An_ambiguous_short_or_distant_word_names_nothing(string given) =>
        Assert.Equal("", DidYouMean.Suggest(given, ["calico-bgp", "calico-ipip", "exponential", "fixed"]));

    [Fact]
    public void Nothing_allowed_names_nothing() =>
        // A Service's named targetPort on pods that name no ports at all: the message says "none", not a crash.
        Assert.Equal("", DidYouMean.Suggest("http", []));
}

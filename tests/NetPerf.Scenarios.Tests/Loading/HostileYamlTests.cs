using System.Diagnostics;
using NetPerf.Scenarios.Loading;

namespace NetPerf.Scenarios.Tests.Loading;

/// <summary>
/// Inputs that once crashed the reader (a stack trace, a dead process, half a minute of CPU) are refused with a
/// located error instead, in bounded time.
/// </summary>
public class HostileYamlTests
{
    private const string Workload = "workloads: [{name: a, test: TCP_RR}]\n";

    public static TheoryData<string> ExceptionsYamlDotNetThrows => [": {\no", "... t", "!![", ":\n :", "%TAG ! ", "%TAG ! \n", "? [\n"];

    [Theory]
    [MemberData(nameof(ExceptionsYamlDotNetThrows))]
    public void What_YamlDotNet_throws_beyond_YamlException_is_a_located_scenario_error(string text)
    {
        var e = Assert.Throws<ScenarioException>(() => ScenarioReader.Parse(text, "a.yaml"));

        var error = Assert.Single(e.Errors);
        Assert.Equal("a.yaml", error.File);
        Assert.StartsWith("not valid YAML: ", error.Message, StringComparison.Ordinal);
        Assert.InRange(error.Line, 1, text.Split('\n').Length);
    }

    [Fact]
    public void Thirty_thousand_nested_lists_are_refused_at_depth_64_instead_of_overflowing_the_stack()
    {
        var e = Assert.Throws<ScenarioException>(() => ScenarioReader.Parse(new string('[', 30_000), "deep.yaml"));

        var error = Assert.Single(e.Errors);
        Assert.Equal((1, 65), (error.Line, error.Column));
        Assert.Contains("nest more than 64 deep", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Nesting_of_64_levels_is_still_read_and_judged_on_its_content()
    {
        // The root mapping is one level; 63 lists inside it make 64.
        var e = Assert.Throws<ScenarioException>(() => ScenarioReader.Parse(Workload + "compare: " + new string('[', 63) + new string(']', 63) + "\n", "k.yaml"));
        Assert.StartsWith("compare: expected a mapping", Assert.Single(e.Errors).Message, StringComparison.Ordinal);
    }

    [Fact]
    public void An_alias_bomb_used_as_a_mapping_key_is_refused_in_well_under_a_second()
    {
        var lines = new List<string> { "a0: &a0 [x, x, x, x, x, x, x, x]" };
        for (int i = 1; i <= 8; i++)
        {
            lines.Add($"a{i}: &a{i} [{string.Join(", ", Enumerable.Repeat($"*a{i - 1}", 8))}]");
        }

        lines.Add("? *a8\n: 1");
        var clock = Stopwatch.StartNew();

        var e = Assert.Throws<ScenarioException>(() => ScenarioReader.Parse(string.Join("\n", lines), "bomb.yaml"));

        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(2), $"took {clock.Elapsed}");
        Assert.Contains("more than 100,000 values", Assert.Single(e.Errors).Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_value_over_16_KiB_is_refused_and_a_file_over_4_MiB_is_not_parsed()
    {
        var scalar = Assert.Throws<ScenarioException>(() => ScenarioReader.Parse($"description: {new string('x', 20_000)}\n{Workload}", "s.yaml"));
        Assert.Contains("a value of 20,000 characters", Assert.Single(scalar.Errors).Message, StringComparison.Ordinal);

        var file = Assert.Throws<ScenarioException>(() => ScenarioReader.Parse(new string('#', (4 << 20) + 1), "f.yaml"));
        Assert.Contains("at most 4,194,304", Assert.Single(file.Errors).Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_long_unknown_word_gets_no_suggestion_and_is_shown_cut_short()
    {
        string word = new string('q', 16_000);
        var clock = Stopwatch.StartNew();

        var e = Assert.Throws<ScenarioException>(() => ScenarioReader.Parse($"{Workload}cluster: {{cni: {word}}}\n", "w.yaml"));

        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(2), $"took {clock.Elapsed}");
        var error = Assert.Single(e.Errors);
        Assert.DoesNotContain("did you mean", error.Message, StringComparison.Ordinal);
        Assert.Contains("(16,000 characters)", error.Message, StringComparison.Ordinal);
        Assert.True(error.Message.Length < 1_000);
    }

    [Fact]
    public void A_short_misspelt_word_still_gets_its_suggestion()
    {
        var e = Assert.Throws<ScenarioException>(() => ScenarioReader.Parse($"{Workload}cluster: {{cni: calico-bpg}}\n", "w.yaml"));

        Assert.Contains("(did you mean 'calico-bgp'?)", Assert.Single(e.Errors).Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Control_characters_from_the_file_are_escaped_in_every_error()
    {
        var e = Assert.Throws<ScenarioException>(() => ScenarioReader.Parse("name: \"a\\e[31mred\\0\"\nnme\u001b: 1\n" + Workload, "esc.yaml"));

        Assert.Equal(2, e.Errors.Count);
        Assert.Contains("'a\\e[31mred\\0'", e.Errors[0].Message, StringComparison.Ordinal);
        Assert.Contains("'nme\\e'", e.Errors[1].Message, StringComparison.Ordinal);
        Assert.All(e.Errors, x => Assert.DoesNotContain(x.ToString(), char.IsControl));
    }

    [Fact]
    public void An_error_at_the_end_of_the_stream_points_at_the_last_line_not_past_it()
    {
        var e = Assert.Throws<ScenarioException>(() => ScenarioReader.Parse("workloads:\n  - name: a\n    test: [\n", "end.yaml"));

        Assert.All(e.Errors, x => Assert.InRange(x.Line, 1, 3));
    }
}

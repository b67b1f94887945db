using System.Text.Json;
using NetPerf.Cli;
using YamlDotNet.RepresentationModel;

namespace NetPerf.Cli.Tests.Commands;

/// <summary>-o/--output as kubectl's -o (json, yaml, wide, table); the results root is --results-dir.</summary>
public sealed class OutputFormatTests : IDisposable
{
    private readonly string _results = Directory.CreateTempSubdirectory("netperf-format-").FullName;

    private static string Scenario(string file) => Path.Combine(AppContext.BaseDirectory, "scenarios", file);
    private static string Broken(string file) => Path.Combine(AppContext.BaseDirectory, "Broken", file);

    public void Dispose() => Directory.Delete(_results, recursive: true);

    [Fact]
    public void Validate_json_is_one_object_per_file_with_a_broken_files_errors_and_their_lines()
    {
        var (code, output, _) = CommandLine.Run("validate", "-o", "json", Scenario("localhost.yaml"), Broken("many-errors.yaml"));

        Assert.Equal(ExitCodes.InvalidScenario, code);
        using var doc = JsonDocument.Parse(output);
        var files = doc.RootElement.EnumerateArray().ToList();
        Assert.Equal(2, files.Count);

        var ok = files[0];
        Assert.Equal(Scenario("localhost.yaml"), ok.GetProperty("file").GetString());
        Assert.True(ok.GetProperty("ok").GetBoolean());
        Assert.Equal(0, ok.GetProperty("errors").GetArrayLength());
        Assert.True(ok.GetProperty("variants").GetInt32() > 0);
        Assert.True(ok.GetProperty("workloads").GetInt32() > 0);
        Assert.True(ok.GetProperty("simulations").GetInt32() > 0);
        Assert.Equal(JsonValueKind.Array, ok.GetProperty("warnings").ValueKind);

        var bad = files[1];
        Assert.False(bad.GetProperty("ok").GetBoolean());
        var errors = bad.GetProperty("errors").EnumerateArray().ToList();
        Assert.Equal(4, errors.Count);
        Assert.Contains(errors, e => e.GetProperty("line").GetInt32() == 7 && e.GetProperty("column").GetInt32() == 10
            && e.GetProperty("message").GetString() == "cluster.nodes: 1 is out of range; allowed: 2 to 3840");
        Assert.Equal(JsonValueKind.Null, bad.GetProperty("simulations").ValueKind);
        Assert.All(errors, e => Assert.Equal(Broken("many-errors.yaml"), e.GetProperty("file").GetString()));
    }

    [Fact]
    public void Validate_json_names_the_manifest_an_error_is_in_not_the_scenario_that_lists_it()
    {
        string dir = Path.Combine(_results, "manifest-error");
        Directory.CreateDirectory(Path.Combine(dir, "k8s"));
        File.WriteAllText(Path.Combine(dir, "s.yaml"), "manifests: [k8s/bad.yaml]\nworkloads:\n  - name: rr\n    test: TCP_RR\n    paths: [pod-cross-node]\n");
        File.WriteAllText(Path.Combine(dir, "k8s", "bad.yaml"), "apiVersion: v1\nkind: Service\nmetadata: {name: cart}\nspec:\n  type: Bogus\n");

        var (code, output, _) = CommandLine.Run("validate", "-o", "json", Path.Combine(dir, "s.yaml"));

        Assert.Equal(ExitCodes.InvalidScenario, code);
        using var doc = JsonDocument.Parse(output);
        var error = Assert.Single(doc.RootElement[0].GetProperty("errors").EnumerateArray().ToList());
        Assert.EndsWith(Path.Combine("k8s", "bad.yaml"), error.GetProperty("file").GetString(), StringComparison.Ordinal);
        Assert.Equal(5, error.GetProperty("line").GetInt32());
    }

    [Fact]
    public void Validate_yaml_parses_and_table_and_wide_print_as_before()
    {
        var (code, output, _) = CommandLine.Run("validate", "-o", "yaml", Scenario("localhost.yaml"));
        Assert.Equal(ExitCodes.Success, code);
        var yaml = new YamlStream();
        yaml.Load(new StringReader(output));
        var first = (YamlMappingNode)((YamlSequenceNode)yaml.Documents[0].RootNode).Children[0];
        Assert.Equal("true", ((YamlScalarNode)first.Children[new YamlScalarNode("ok")]).Value);

        var table = CommandLine.Run("validate", Scenario("localhost.yaml"));
        var wide = CommandLine.Run("validate", "-o", "wide", Scenario("localhost.yaml"));
        Assert.Contains(": ok (", table.Out);
        Assert.Equal(table.Out, wide.Out);
    }

    [Fact]
    public void Describe_yaml_parses_into_one_entry_per_variant_with_nodes_pods_services_and_routes()
    {
        var (code, output, error) = CommandLine.Run("describe", Scenario("pod-cross-node.yaml"), "-o", "yaml");

        Assert.True(code == ExitCodes.Success, error);
        var yaml = new YamlStream();
        yaml.Load(new StringReader(output));
        var variants = ((YamlSequenceNode)yaml.Documents[0].RootNode).Children.Cast<YamlMappingNode>().ToList();
        Assert.Equal(["flannel-vxlan", "flannel-host-gw", "calico-bgp", "calico-ipip"], variants.Select(v => ((YamlScalarNode)v.Children[new YamlScalarNode("variant")]).Value));
        foreach (var root in variants)
        {
            foreach (var key in new[] { "nodes", "pods", "services", "routes" })
            {
                Assert.NotEmpty(((YamlSequenceNode)root.Children[new YamlScalarNode(key)]).Children);
            }
        }

        var node = (YamlMappingNode)((YamlSequenceNode)variants[0].Children[new YamlScalarNode("nodes")]).Children[0];
        Assert.Equal("node1", ((YamlScalarNode)node.Children[new YamlScalarNode("name")]).Value);
        Assert.Contains("$ kubectl get nodes -o wide", CommandLine.Run("describe", Scenario("pod-cross-node.yaml")).Out);
    }

    [Fact]
    public void Describe_json_round_trips_as_a_list_of_variants_and_variant_picks_a_list_of_one()
    {
        var (code, output, _) = CommandLine.Run("describe", Scenario("pod-cross-node.yaml"), "-o", "json");
        Assert.Equal(ExitCodes.Success, code);
        using var doc = JsonDocument.Parse(output);
        Assert.Equal(4, doc.RootElement.GetArrayLength());
        foreach (var variant in doc.RootElement.EnumerateArray())
        {
            Assert.True(variant.GetProperty("pods").GetArrayLength() > 0);
            Assert.True(variant.GetProperty("routes").GetArrayLength() > 0);
        }

        // calico-ipip's route to the remote pod's block goes through its IP-in-IP tunnel, as ip route shows it.
        var (one, picked, _) = CommandLine.Run("describe", Scenario("pod-cross-node.yaml"), "-o", "json", "--variant", "calico-ipip");
        Assert.Equal(ExitCodes.Success, one);
        using var single = JsonDocument.Parse(picked);
        var only = Assert.Single(single.RootElement.EnumerateArray());
        Assert.Equal("calico-ipip", only.GetProperty("variant").GetString());
        Assert.Contains("dev tunl0", only.GetProperty("routes")[0].GetProperty("route").GetString(), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("run")]
    [InlineData("compare")]
    [InlineData("calibrate")]
    public void A_path_given_to_output_exits_2_naming_results_dir(string command)
    {
        var (code, output, error) = CommandLine.Run(command, Scenario("localhost.yaml"), "-o", Path.Combine(_results, "some", "path"));

        Assert.Equal(ExitCodes.UsageError, code);
        Assert.Equal("", output);
        Assert.Contains("--output now picks the output format (json, yaml, wide, table); the results root is --results-dir", error);
        Assert.Empty(Directory.GetFileSystemEntries(_results)); // nothing was written anywhere
    }

    [Fact]
    public void Run_json_gives_the_run_folder_and_the_summary_rows()
    {
        var (code, output, error) = CommandLine.Run("run", Scenario("localhost.yaml"), "--quick", "--no-plots", "--results-dir", _results, "--run-id", "j", "-o", "json");

        Assert.True(code == ExitCodes.Success, error);
        using var doc = JsonDocument.Parse(output);
        Assert.Equal(Path.Combine(_results, "localhost", "j"), doc.RootElement.GetProperty("results").GetString());
        Assert.False(doc.RootElement.GetProperty("partial").GetBoolean());
        Assert.True(doc.RootElement.GetProperty("summary").GetArrayLength() > 0);
    }
}

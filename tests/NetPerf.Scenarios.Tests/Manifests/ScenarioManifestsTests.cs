using NetPerf.Scenarios.Loading;

namespace NetPerf.Scenarios.Tests.Manifests;

/// <summary>A scenario's manifests key: paths and globs from its folder, confined to it as its costFile is.</summary>
public sealed class ScenarioManifestsTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("netperf-manifests-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private string Write(string relative, string text)
    {
        string path = Path.Combine(_dir, relative);
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        File.WriteAllText(path, text);
        return path;
    }

    private const string Workloads = "workloads:\n  - {name: rr, test: TCP_RR, paths: [pod-cross-node]}\n";

    [Fact]
    public void Globs_and_directories_read_in_name_order_and_other_kinds_are_warned_about_once()
    {
        Write("app/b-svc.yaml", "apiVersion: v1\nkind: Service\nmetadata: {name: b}\nspec: {selector: {app: b}, ports: [{port: 80}]}\n");
        Write("app/a-ns.yaml", "apiVersion: v1\nkind: Namespace\nmetadata: {name: a}\n---\napiVersion: v1\nkind: ConfigMap\nmetadata: {name: c}\n");
        Write("app/notes.txt", "not a manifest");
        string scenario = Write("s.yaml", "name: s\nmanifests: [app/*.yaml]\n" + Workloads);
        var warnings = new List<string>();

        var s = ScenarioReader.Load(scenario, warnings);

        Assert.Equal(["namespace/a", "service/b"], s.Manifests.Objects.Select(o => o.Id));
        var warning = Assert.Single(warnings, w => w.Contains("ConfigMap"));
        Assert.EndsWith("a-ns.yaml:5:1: warning: ConfigMap 'c' (v1) ignored: the simulation does not use this kind", warning);
    }

    [Fact]
    public void A_manifest_outside_the_scenarios_folder_is_refused_at_its_entry_unless_allowed()
    {
        string outside = Path.Combine(Directory.CreateTempSubdirectory("netperf-elsewhere-").FullName, "x.yaml");
        File.WriteAllText(outside, "apiVersion: v1\nkind: Namespace\nmetadata: {name: x}\n");
        string scenario = Write("s.yaml", $"name: s\nmanifests:\n  - {outside}\n" + Workloads);
        try
        {
            var e = Assert.Throws<ScenarioException>(() => ScenarioReader.Load(scenario));
            var error = Assert.Single(e.Errors);
            Assert.Equal((scenario, 3, 5), (error.File, error.Line, error.Column));
            Assert.Contains("outside the scenario's folder; move it beside the scenario, or pass --allow-outside", error.Message);

            Assert.Equal("namespace/x", Assert.Single(ScenarioReader.Load(scenario, allowOutside: true).Manifests.Objects).Id);
        }
        finally
        {
            Directory.Delete(Path.GetDirectoryName(outside)!, recursive: true);
        }
    }

    [Fact]
    public void A_pattern_matching_nothing_and_a_broken_manifest_are_both_reported_where_they_are()
    {
        string bad = Write("m/bad.yaml", "apiVersion: v1\nkind: Pod\nmetadata: {name: p}\nspec:\n  containerz: []\n");
        string scenario = Write("s.yaml", "name: s\nmanifests: [m/, none/*.yaml]\n" + Workloads);

        var e = Assert.Throws<ScenarioException>(() => ScenarioReader.Load(scenario));

        Assert.Equal(2, e.Errors.Count);
        Assert.Equal((scenario, 2, 17), (e.Errors[0].File, e.Errors[0].Line, e.Errors[0].Column));
        Assert.Contains("'none/*.yaml' matches no .yaml, .yml or .json file", e.Errors[0].Message);
        Assert.Equal((bad, 5, 3), (e.Errors[1].File, e.Errors[1].Line, e.Errors[1].Column));
        Assert.EndsWith("strict decoding error: unknown field \"spec.containerz\" (did you mean 'containers'?)", e.Errors[1].Message);
    }

    [Fact]
    public void The_command_lines_manifests_join_the_scenarios()
    {
        string dir = Path.Combine(_dir, "extra");
        Write("extra/n.yaml", "apiVersion: v1\nkind: Namespace\nmetadata: {name: extra}\n");
        string scenario = Write("s.yaml", "name: s\n" + Workloads);

        var s = ScenarioReader.Load(scenario, manifests: [dir]);

        Assert.Equal("namespace/extra", Assert.Single(s.Manifests.Objects).Id);
    }
}

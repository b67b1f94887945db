using k8s;
using k8s.Models;

namespace NetPerf.Cli.Tests.Commands;

/// <summary>
/// deploy/netperf-sweep-job.yaml and deploy/netperf-merge-job.yaml are Kubernetes Jobs as the API server reads them
/// (KubernetesClient's strict decoding: an unknown or misspelt field fails), and run the commands docs/scale.md shows.
/// </summary>
public sealed class SweepJobTests
{
    private static string Repo(string path) => Path.Combine(AppContext.BaseDirectory, "repo", path);

    private static V1Job Job(string file)
    {
        var objects = KubernetesYaml.LoadAllFromString(System.IO.File.ReadAllText(Repo(file)), new Dictionary<string, Type> { ["batch/v1/Job"] = typeof(V1Job) }, strict: true);
        var job = Assert.IsType<V1Job>(Assert.Single(objects));
        Assert.Equal("batch/v1", job.ApiVersion);
        Assert.Equal("Job", job.Kind);
        return job;
    }

    private static string Command(V1Job job)
    {
        var container = Assert.Single(job.Spec.Template.Spec.Containers);
        Assert.Equal(["/bin/sh", "-c"], container.Command);
        return Assert.Single(container.Args);
    }

    [Fact]
    public void The_sweep_is_an_indexed_job_of_one_pod_per_shard_that_maps_the_0_based_index_to_shard_K_of_N()
    {
        var job = Job("deploy/netperf-sweep-job.yaml");
        Assert.Equal("Indexed", job.Spec.CompletionMode);
        Assert.Equal(3, job.Spec.Completions);
        Assert.Equal(3, job.Spec.Parallelism);
        Assert.Equal("Never", job.Spec.Template.Spec.RestartPolicy); // backoffLimitPerIndex requires it
        Assert.True(job.Spec.BackoffLimitPerIndex >= 1);
        var env = Assert.Single(job.Spec.Template.Spec.Containers).Env.ToDictionary(e => e.Name, e => e.Value);
        Assert.Equal(job.Spec.Completions.ToString(), env["SHARDS"]); // N is the number of completions

        string command = Command(job);
        // A pod retried for its index (backoffLimitPerIndex) first removes the shard folder its evicted predecessor
        // claimed, exactly the one its --run-id names: run refuses a run id that exists.
        Assert.StartsWith("rm -rf /results/\"$SWEEP\"/*/\"shard-$((JOB_COMPLETION_INDEX + 1))-of-$SHARDS\" && exec netperf run ", command, StringComparison.Ordinal);
        Assert.Contains("--results-dir \"/results/$SWEEP\" --run-id \"shard-$((JOB_COMPLETION_INDEX + 1))-of-$SHARDS\"", command, StringComparison.Ordinal);
        Assert.Contains("--shard \"$((JOB_COMPLETION_INDEX + 1))/$SHARDS\"", command, StringComparison.Ordinal);
        Assert.Contains(command, System.IO.File.ReadAllText(Repo("docs/scale.md")), StringComparison.Ordinal);
    }

    [Fact]
    public void The_merge_step_is_one_pod_that_joins_every_shard_of_the_sweep()
    {
        var job = Job("deploy/netperf-merge-job.yaml");
        Assert.Equal(1, job.Spec.Completions);
        Assert.Equal("Never", job.Spec.Template.Spec.RestartPolicy);
        string command = Command(job);
        Assert.StartsWith("exec netperf merge ", command, StringComparison.Ordinal);
        Assert.Contains(command, System.IO.File.ReadAllText(Repo("docs/scale.md")), StringComparison.Ordinal);
    }

    [Fact]
    public void A_misspelt_field_fails_the_strict_decoding_the_manifests_are_held_to()
    {
        string text = System.IO.File.ReadAllText(Repo("deploy/netperf-sweep-job.yaml")).Replace("completionMode:", "completionMod:", StringComparison.Ordinal);
        var e = Assert.ThrowsAny<Exception>(() => KubernetesYaml.LoadAllFromString(text, new Dictionary<string, Type> { ["batch/v1/Job"] = typeof(V1Job) }, strict: true));
        Assert.Contains("completionMod", e.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public void The_container_builds_the_netperf_command_from_the_cli_project()
    {
        string dockerfile = System.IO.File.ReadAllText(Repo("Dockerfile"));
        Assert.Contains("FROM mcr.microsoft.com/dotnet/sdk:10.0 AS build", dockerfile, StringComparison.Ordinal);
        Assert.Contains("FROM mcr.microsoft.com/dotnet/runtime:10.0", dockerfile, StringComparison.Ordinal);
        Assert.Contains("dotnet publish src/NetPerf.Cli/NetPerf.Cli.csproj", dockerfile, StringComparison.Ordinal);
        Assert.Contains("/app/netperf.dll", dockerfile, StringComparison.Ordinal); // the CLI's AssemblyName
        Assert.Contains("<AssemblyName>netperf</AssemblyName>", System.IO.File.ReadAllText(Repo("src/NetPerf.Cli/NetPerf.Cli.csproj")), StringComparison.Ordinal);
    }
}

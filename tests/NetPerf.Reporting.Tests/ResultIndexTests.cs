namespace NetPerf.Reporting.Tests;

public sealed class ResultIndexTests
{
    [Theory]
    [InlineData("pod-cross-node", "pod-cross-node")]
    [InlineData("NodePort (Local)", "nodeport-local")]
    [InlineData("../../etc/passwd", "etc-passwd")]
    [InlineData("µ", "path")]
    public void A_path_name_becomes_a_file_name_safe_slug(string path, string slug) =>
        Assert.Equal(slug, ResultIndex.Slug(path));

    [Fact]
    public void Two_paths_whose_slugs_collide_get_distinct_file_names()
    {
        ResultSet results = SyntheticResults.Create();
        results = results with { Cdfs = [.. results.Cdfs, results.Cdfs[0] with { Path = "Pod Cross Node" }] };

        IReadOnlyDictionary<string, string> slugs = new ResultIndex(results).PathSlugs();

        Assert.Equal("pod-cross-node", slugs["pod-cross-node"]);
        Assert.Equal("pod-cross-node-2", slugs["Pod Cross Node"]);
    }

    [Fact]
    public void Paths_and_variants_come_in_the_order_they_were_run()
    {
        var index = new ResultIndex(SyntheticResults.Create());

        Assert.Equal(SyntheticResults.Paths, index.Paths);
        Assert.Equal(SyntheticResults.Variants.Select(v => v.Variant), index.Variants);
        Assert.Equal(["Syscall", "TcpOutput", "VxlanEncapsulate", "NicTransmit", "NicReceive", "TcpInput"], index.Stages);
    }
}

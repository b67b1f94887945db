using NetPerf.Reporting.Plots;

namespace NetPerf.Reporting.Tests.Plots;

public sealed class PlotStyleTests
{
    [Fact]
    public void A_CNI_keeps_its_colour_whichever_other_CNIs_a_run_compares_it_with()
    {
        var known = new Dictionary<string, string> { ["flannel-vxlan"] = "#0072B2", ["calico-bgp"] = "#D55E00", ["calico-ipip"] = "#CC79A7" };
        var alone = PlotStyle.CniColours(["calico-bgp"], known);
        var withOthers = PlotStyle.CniColours(["flannel-vxlan", "cilium", "calico-ipip", "calico-bgp", "antrea"], known);

        Assert.Equal(alone["calico-bgp"], withOthers["calico-bgp"]);
        Assert.Equal(5, withOthers.Values.Distinct().Count());
    }

    [Fact]
    public void Clip_ids_are_renumbered_in_order_of_appearance_under_the_plot_prefix()
    {
        const string svg = "<clipPath id=\"cl_a\"/><g clip-path=\"url(#cl_a)\"/><clipPath id=\"cl_7\"/><g clip-path=\"url(#cl_7)\"/>";

        Assert.Equal(
            "<clipPath id=\"p-clip1\"/><g clip-path=\"url(#p-clip1)\"/><clipPath id=\"p-clip2\"/><g clip-path=\"url(#p-clip2)\"/>",
            PlotStyle.NormaliseSvg(svg, "p"));
    }
}

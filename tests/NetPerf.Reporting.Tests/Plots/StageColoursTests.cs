using NetPerf.Network.Cpu;
using NetPerf.Reporting.Plots;

namespace NetPerf.Reporting.Tests.Plots;

/// <summary>Every kernel stage has a colour of its own that does not depend on which stages a run crossed.</summary>
public sealed class StageColoursTests
{
    [Fact]
    public void Every_kernel_stage_has_a_colour_and_no_two_stages_share_one()
    {
        var names = Enum.GetNames<KernelStage>();

        Assert.Equal(names.Order(), StageColours.Stages.Order());
        Assert.Equal(names.Length, names.Select(n => StageColours.Of(n)).Distinct().Count());
    }

    [Fact]
    public void A_stages_colour_and_place_in_the_stack_are_fixed_by_its_name_not_by_the_run()
    {
        // Nat and Syscall shared a colour when colours went by a run's stage count; now each is its own.
        Assert.NotEqual(StageColours.Of("Nat"), StageColours.Of("Syscall"));
        Assert.Equal(StageColours.Of("Nat"), StageColours.Of("Nat"));
        Assert.True(StageColours.Rank("Syscall") < StageColours.Rank("TcpOutput"));
        Assert.True(StageColours.Rank("IpOutput") < StageColours.Rank("NetfilterHook"));
        Assert.True(StageColours.Rank("VxlanEncapsulate") < StageColours.Rank("NicTransmit"));
    }
}

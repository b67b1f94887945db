using NetPerf.Kubernetes.Services;

namespace NetPerf.Kubernetes.Tests.Services;

public class KubeProxyConntrackTests
{
    [Theory]
    [InlineData(1, 131_072)]   // 32768 x 1 is below --conntrack-min
    [InlineData(4, 131_072)]   // exactly the floor
    [InlineData(8, 262_144)]   // 32768 x 8
    [InlineData(64, 2_097_152)]
    public void Nf_conntrack_max_is_32768_per_core_but_never_below_131072(int cores, int expected) =>
        Assert.Equal(expected, KubeProxyConntrack.MaxFor(cores));
}

using NetPerf.Engine.Time;
using NetPerf.Kubernetes.Bgp;

namespace NetPerf.Kubernetes.Tests.Bgp;

/// <summary>The convergence experiment a scenario runs: its figures, and that a seed fixes them.</summary>
public class BgpConvergenceTests
{
    private static readonly BgpExperiment Churn = new()
    {
        Nodes = 8,
        Timers = BgpTimers.WithHold(SimTime.FromSeconds(9)),
        FailNode = 5,
        FailAt = SimTime.FromSeconds(30),
        JoinNode = true,
        JoinAt = SimTime.FromSeconds(45),
        Duration = SimTime.FromSeconds(60),
    };

    [Fact]
    public void A_full_mesh_with_a_failure_and_a_join_reports_sessions_messages_and_convergence_times()
    {
        var r = BgpConvergence.Run(Churn);

        Assert.Equal(28, r.Sessions); // 8 x 7 / 2
        Assert.Equal(56, r.InitialOpens);
        Assert.Equal(56, r.InitialUpdates);
        Assert.NotNull(r.InitialConvergence);
        Assert.InRange(r.InitialConvergence.Value, SimTime.FromMilliseconds(750), SimTime.FromMilliseconds(1010));

        Assert.Equal(5, r.FailedNode);
        Assert.Equal(7, r.PeersOfFailedNode);
        Assert.Equal(7, r.PeersWithdrawn);
        Assert.InRange(r.WithdrawnFirst!.Value, SimTime.FromSeconds(6), r.WithdrawnLast!.Value);
        Assert.InRange(r.WithdrawnLast.Value, SimTime.FromSeconds(6), SimTime.FromSeconds(9));
        Assert.Equal(7, r.Notifications); // one Hold Timer Expired from each survivor, into the void

        // The new node 9 peers with all 8 (the failed one's session never comes up), after its 0.75-1 s connect delay.
        Assert.Equal(9, r.JoinedNode);
        Assert.InRange(r.JoinReachableFromAll!.Value, SimTime.FromMilliseconds(750), SimTime.FromMilliseconds(1010));
        Assert.InRange(r.JoinLearnedAll!.Value, SimTime.FromMilliseconds(750), SimTime.FromMilliseconds(1010));
    }

    [Fact]
    public void The_same_seed_gives_the_same_result_and_another_seed_other_timer_jitter()
    {
        var a = BgpConvergence.Run(Churn);
        var b = BgpConvergence.Run(Churn);
        var c = BgpConvergence.Run(Churn with { Seed = 2 });

        Assert.Equal(a, b);
        Assert.NotEqual(a.InitialConvergence, c.InitialConvergence);
        Assert.NotEqual(a.WithdrawnLast, c.WithdrawnLast);
    }

    [Fact]
    public void At_twenty_nodes_route_reflection_needs_a_fifth_of_the_mesh_sessions_but_twice_its_UPDATEs()
    {
        var mesh = BgpConvergence.Run(new BgpExperiment { Nodes = 20, Duration = SimTime.FromSeconds(5) });
        var rr = BgpConvergence.Run(new BgpExperiment { Nodes = 20, Topology = BgpTopology.RouteReflectors, Duration = SimTime.FromSeconds(5) });

        Assert.Equal(190, mesh.Sessions);
        Assert.Equal(2 * 18 + 1, rr.Sessions);
        Assert.Equal(380, mesh.InitialOpens);
        Assert.Equal(74, rr.InitialOpens);

        // UPDATEs: n(n - 1) = 380 in the mesh; 2c^2 + 6c + 2 = 758 with c = 18 clients, as reflection repeats
        // every block to every client from both reflectors.
        Assert.Equal(380, mesh.InitialUpdates);
        Assert.Equal(758, rr.InitialUpdates);
    }
}

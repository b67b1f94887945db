using NetPerf.Network.Topology;

namespace NetPerf.Scenarios.Running;

/// <summary>
/// The cores the client processes of workloads run together take on each host: each workload's client is a
/// process of its own (netperf, an application), and the scheduler puts runnable tasks on idle CPUs
/// (kernel/sched/fair.c, select_idle_sibling at wake-up; the load balancer after), so two busy clients on one
/// node run on two cores, and each socket's work (its connect(), its SYN through the pod's veth and the host's
/// netfilter hooks) is done on its own task's CPU. The first client on a host takes the core a lone workload's
/// client has (min(1, cores - 1), away from the NIC's first queue); the next ones the cores after it, in turn.
/// Assigned in the workloads' order, so the same scenario places them the same way every run.
/// </summary>
internal sealed class ClientCores
{
    private readonly Dictionary<Host, int> _started = [];

    /// <summary>The core of the next client process on <paramref name="host"/>, counting from <paramref name="first"/>.</summary>
    public int Next(Host host, int first)
    {
        int k = _started.GetValueOrDefault(host);
        _started[host] = k + 1;
        return (first + k) % host.Cores.Count;
    }
}

using NetPerf.Engine.Time;
using NetPerf.Kubernetes.Dns;
using NetPerf.Transport;
using NetPerf.Workloads;

namespace NetPerf.Scenarios.Running;

/// <summary>
/// The DNS_LOOKUP workload: <c>clients</c> loops in the client pod, each running getaddrinfo() of the measured
/// Service's short name ("web": its first search candidate answers) one lookup after another, each from a new
/// process, as a shell loop of <c>getent hosts web</c> or a short-lived job does: a fresh resolver state (so
/// glibc's switch to single-request after a timeout does not carry over) and a new socket, so a new UDP flow and
/// a new conntrack entry each time. The resolver's core is the client's; a second parallel query is processed on
/// the next core when the node has two or more (the race's two CPUs; see <see cref="StubResolver"/>).
/// </summary>
public sealed class DnsLookups : IWorkload
{
    private readonly ClusterBuild _build;
    private readonly int _clients;
    private readonly int _core;
    private readonly int _secondCore;

    public DnsLookups(ClusterBuild build, string name, int flowId, int clients)
    {
        _build = build;
        _clients = clients;
        Name = name;
        FlowId = flowId;
        Measurement = new Measurement(build.Cluster.Bed.Sim);
        int cores = build.Cluster.Options.CoresPerNode;
        _core = Math.Min(1, cores - 1);
        _secondCore = cores > 1 ? (_core + 1) % cores : -1;
        Endpoints = new Endpoints(build.Client.Namespace, build.Dns.Pod.Namespace, build.KubeDnsIp, 53, _core, 0);
    }

    public string Name { get; }
    public int FlowId { get; }
    public Measurement Measurement { get; }
    public Endpoints Endpoints { get; }
    public TcpStatisticsTotal? Tcp => null;

    /// <summary>Lookups that waited out the resolver's timeout at least once, since the warm-up.</summary>
    public long Delayed => Measurement.DnsDelayed;

    public void Start()
    {
        for (int i = 0; i < _clients; i++)
        {
            Next();
        }
    }

    /// <summary>Whether <see cref="Stop"/> was called: each loop ends when its lookup in progress returns.</summary>
    public bool Stopped { get; private set; }

    public void Stop() => Stopped = true;

    private void Next()
    {
        if (Stopped)
        {
            return;
        }

        var resolver = new StubResolver(_build.Client, new ResolvConf("default") { Queries = _build.Resolver }, _build.Dns, _build.Nameserver, _core)
        {
            SecondQueryCore = _secondCore,
            FlowId = FlowId,
        };
        SimTime start = _build.Cluster.Bed.Sim.Now;
        Measurement.RequestStarted();
        resolver.Resolve(ClusterLayout.Service, lookup =>
        {
            resolver.Close();
            if (lookup.TimedOut || !lookup.Found)
            {
                Measurement.LookupFailed(start);
            }
            else
            {
                if (lookup.Timeouts > 0)
                {
                    Measurement.LookupDelayed();
                }

                Measurement.RequestCompleted(start);
            }

            Next();
        });
    }
}

namespace NetPerf.Workloads;

/// <summary>A traffic pattern between two endpoints that starts when told and measures itself.</summary>
public interface IWorkload
{
    string Name { get; }

    /// <summary>Stamped on every packet the workload sends, so CPU can be attributed to it on every node.</summary>
    int FlowId { get; }

    Measurement Measurement { get; }

    Endpoints Endpoints { get; }

    /// <summary>TCP counters, for workloads over TCP (null otherwise).</summary>
    TcpStatisticsTotal? Tcp { get; }

    void Start();
}

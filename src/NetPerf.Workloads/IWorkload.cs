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

    /// <summary>
    /// The client stops offering work, now, as its process would at the end of its run: no new request, connection
    /// or datagram; what is already in flight is answered and measured, and each connection is closed (FIN) once
    /// nothing is outstanding on it. The servers stay up.
    /// </summary>
    void Stop();
}

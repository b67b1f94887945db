namespace NetPerf.Samples.Netperf;

/// <summary>The netperf tests, by their netperf names.</summary>
public enum NetperfTest
{
    TCP_RR,
    TCP_CRR,
    TCP_STREAM,
    UDP_RR,
    UDP_STREAM,
}

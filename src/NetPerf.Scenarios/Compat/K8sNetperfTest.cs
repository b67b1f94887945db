namespace NetPerf.Scenarios.Compat;

/// <summary>
/// One test of a k8s-netperf config file, as its Config struct holds it (pkg/config/config.go in
/// cloud-bulldozer/k8s-netperf: parallelism, duration, profile, samples, messagesize, messagereadsize, burst,
/// service), with the name it was given and where it stands in the file.
/// </summary>
public sealed record K8sNetperfTest(string Name, string Profile, int Duration, int Samples, int MessageSize, int Parallelism, int Burst, bool Service)
{
    public int Line { get; init; }
    public int Column { get; init; }

    /// <summary>"Mb/s" for streams, "OP/s" for the others, as k8s-netperf's main loop sets Metric.</summary>
    public string Metric => Profile.Contains("STREAM", StringComparison.Ordinal) ? "Mb/s" : "OP/s";
}

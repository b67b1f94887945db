using NetPerf.Calibration.Linux;

namespace NetPerf.Calibration.Probe;

/// <summary>Runs a probe's server and client in two namespaces, both pinned to one CPU, and reads what they measured.</summary>
public sealed class ProbeRunner(NamespaceLab lab, ProbeBinary probe, int cpu, bool cpuFromProcStat = false)
{
    private int _port = 20000;

    public int Cpu { get; } = cpu;

    /// <summary>
    /// <paramref name="warmup"/> unmeasured then <paramref name="count"/> measured transactions of <paramref name="kind"/>
    /// from <paramref name="clientNs"/> to <paramref name="target"/> (the server in <paramref name="serverNs"/> listens on
    /// <paramref name="bindIp"/>; a Service's address and port can differ from the server's when rules translate them).
    /// </summary>
    public ProbeResult Run(ProbeKind kind, string clientNs, string serverNs, string bindIp, string target, int bytes, int warmup, int count,
        int? targetPort = null, int? serverPort = null)
    {
        int port = serverPort ?? NextPort();
        string proto = kind == ProbeKind.UdpRr ? "udp" : "tcp";
        string[] client = kind == ProbeKind.TcpCrr
            ? ["crr", target, $"{targetPort ?? port}", $"{warmup}", $"{count}", $"{bytes}", $"{Cpu}"]
            : ["rr", proto, target, $"{targetPort ?? port}", $"{warmup}", $"{count}", $"{bytes}", $"{Cpu}"];
        var (output, server) = Exchange($"the {kind} probe", serverNs, ["server", proto, bindIp, $"{port}", $"{bytes}", $"{Cpu}", $"{warmup}"],
            clientNs, client, target, TimeSpan.FromSeconds(30 + (count / 2000)));
        return ProbeResult.Parse(output, server) with { FromProcStat = cpuFromProcStat };
    }

    /// <summary>
    /// A bulk stream for <paramref name="milliseconds"/> (its first tenth unmeasured). The result counts a KiB of
    /// goodput as one transaction: its "round trip" is the wall time per KiB, its CPU the pinned CPU's busy time per
    /// KiB (from /proc/stat: under a stream, much of the receive work runs in ksoftirqd, outside the probes' own time).
    /// </summary>
    public ProbeResult RunStream(string clientNs, string serverNs, string bindIp, string target, int milliseconds, int? targetPort = null, int? serverPort = null)
    {
        int port = serverPort ?? NextPort();
        var (output, _) = Exchange("the stream probe", serverNs, ["sink", bindIp, $"{port}", $"{Cpu}"],
            clientNs, ["stream", target, $"{targetPort ?? port}", $"{milliseconds}", "65536", $"{Cpu}"], target, TimeSpan.FromSeconds(30 + (milliseconds / 1000)));
        var f = output.Split(' ', StringSplitOptions.RemoveEmptyEntries);
        double Field(string name) => double.Parse(f[Array.IndexOf(f, name) + 1], System.Globalization.CultureInfo.InvariantCulture);
        double kib = Field("bytes") / 1024;
        double perKib = Field("wall_ns") / kib;
        return new ProbeResult((long)Math.Max(1, kib), perKib, double.NaN, double.NaN, double.NaN, perKib, Field("wall_ns"), Field("busy_ns"), Field("steal_ns"),
            Field("user_ns"), 0, Field("sys_ns"), 0) { FromProcStat = true };
    }

    /// <summary>
    /// Starts the probe's server side in <paramref name="serverNs"/>, waits for its "ready", runs the client side in
    /// <paramref name="clientNs"/> to its end, and returns what each printed; any failure says which probe and why.
    /// </summary>
    private (string Client, string Server) Exchange(string what, string serverNs, string[] serverArgs, string clientNs, string[] clientArgs, string target, TimeSpan timeout)
    {
        using var server = lab.Start(serverNs, probe.Path, serverArgs);
        var serverErr = server.StandardError.ReadToEndAsync();
        var ready = server.StandardOutput.ReadLineAsync();
        if (!ready.Wait(TimeSpan.FromSeconds(10)) || ready.Result != "ready")
        {
            server.Kill();
            throw new CalibrationException($"{what}'s server in {serverNs} did not start: {serverErr.Result.Trim()}");
        }

        var serverOut = server.StandardOutput.ReadToEndAsync();
        var (code, output, error) = Command.TryRun("ip", ["netns", "exec", clientNs, probe.Path, .. clientArgs], timeout);
        if (!server.WaitForExit(10_000))
        {
            server.Kill();
        }

        if (code != 0)
        {
            throw new CalibrationException($"{what} from {clientNs} to {target} failed: {error.Trim()} {serverErr.Result.Trim()}");
        }

        return (output, serverOut.Result);
    }

    /// <summary>Ports that no earlier probe used, so that no TIME_WAIT or conntrack entry of one run meets the next (a Service's fixed target port is the exception: its clients' ephemeral ports differ).</summary>
    public int NextPort() => Interlocked.Increment(ref _port);
}

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
        using var server = lab.Start(serverNs, probe.Path, "server", proto, bindIp, $"{port}", $"{bytes}", $"{Cpu}", $"{warmup}");
        var serverErr = server.StandardError.ReadToEndAsync();
        var ready = server.StandardOutput.ReadLineAsync();
        if (!ready.Wait(TimeSpan.FromSeconds(10)) || ready.Result != "ready")
        {
            server.Kill();
            throw new CalibrationException($"the {kind} probe's server in {serverNs} did not start: {serverErr.Result.Trim()}");
        }

        var serverOut = server.StandardOutput.ReadToEndAsync();
        string[] args = kind == ProbeKind.TcpCrr
            ? ["crr", target, $"{targetPort ?? port}", $"{warmup}", $"{count}", $"{bytes}", $"{Cpu}"]
            : ["rr", proto, target, $"{targetPort ?? port}", $"{warmup}", $"{count}", $"{bytes}", $"{Cpu}"];
        var timeout = TimeSpan.FromSeconds(30 + (count / 2000));
        var (code, output, error) = Command.TryRun("ip", ["netns", "exec", clientNs, probe.Path, .. args], timeout);
        if (!server.WaitForExit(5000))
        {
            server.Kill();
        }

        if (code != 0)
        {
            throw new CalibrationException($"the {kind} probe from {clientNs} to {target} failed: {error.Trim()} {serverErr.Result.Trim()}");
        }

        return ProbeResult.Parse(output, serverOut.Result) with { FromProcStat = cpuFromProcStat };
    }

    /// <summary>Ports that no earlier probe used, so that no TIME_WAIT or conntrack entry of one run meets the next (a Service's fixed target port is the exception: its clients' ephemeral ports differ).</summary>
    public int NextPort() => Interlocked.Increment(ref _port);
}

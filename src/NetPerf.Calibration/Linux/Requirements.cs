using NetPerf.Network.Netfilter;

namespace NetPerf.Calibration.Linux;

/// <summary>What calibrate needs of the machine, checked before anything is built; each refusal says what to do.</summary>
public static class Requirements
{
    /// <summary>Null when calibrate can run here; otherwise why not (for tests that skip, and for the command's error).</summary>
    public static string? Missing(IptablesBackend backend)
    {
        if (!OperatingSystem.IsLinux())
        {
            return "calibrate builds real network namespaces, which needs Linux";
        }

        if (!File.Exists("/proc/self/status") || !File.ReadLines("/proc/self/status").Any(l => l.StartsWith("Uid:", StringComparison.Ordinal) && l.Split('\t', StringSplitOptions.RemoveEmptyEntries).ElementAtOrDefault(1) == "0"))
        {
            return "calibrate creates network namespaces, which needs root (run it with sudo)";
        }

        foreach (var (tool, package) in new[] { ("ip", "iproute2"), ("bridge", "iproute2"), ("sysctl", "procps"), (backend == IptablesBackend.Legacy ? "iptables-legacy-restore" : "iptables-nft-restore", "iptables") })
        {
            if (!Command.Exists(tool))
            {
                return $"calibrate needs {tool}, which is not installed (Debian: apt-get install {package})";
            }
        }

        if (!new[] { "cc", "gcc", "clang" }.Any(Command.Exists))
        {
            return "calibrate builds its probe with a C compiler, and none is installed (Debian: apt-get install gcc)";
        }

        var (code, _, error) = Command.TryRun("ip", ["netns", "list"]);
        if (code != 0)
        {
            return $"this machine does not allow network namespaces here ({error.Trim()})";
        }

        return null;
    }

    public static void Check(IptablesBackend backend)
    {
        if (Missing(backend) is { } why)
        {
            throw new CalibrationException(why);
        }
    }

    /// <summary>Kernel features whose paths calibrate cannot build here, each with what its stages become instead.</summary>
    public static IReadOnlyList<string> AbsentModules()
    {
        var absent = new List<string>();
        if (!Directory.Exists("/sys/module/ipip") && !File.Exists("/proc/net/ip_tables_names") && !CanCreate("ipip"))
        {
            absent.Add("ipip (no IP-in-IP device here: IpipEncapsulate/IpipDecapsulate are derived from the VXLAN fit)");
        }

        if (!File.Exists("/proc/net/ip_vs"))
        {
            absent.Add("ip_vs (no IPVS here: IpvsLookup/IpvsSchedule are derived from the conntrack fit)");
        }

        return absent;
    }

    private static bool CanCreate(string type)
    {
        string name = $"npchk{Environment.ProcessId % 100000}";
        var (code, _, _) = Command.TryRun("ip", ["link", "add", name, "type", type, "remote", "192.0.2.1", "local", "192.0.2.2"]);
        if (code == 0)
        {
            Command.TryRun("ip", ["link", "del", name]);
        }

        return code == 0;
    }
}

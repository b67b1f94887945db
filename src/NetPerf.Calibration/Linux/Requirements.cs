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
            return "calibrate creates network namespaces, which needs root (e.g. sudo dotnet run --project src/NetPerf.Cli -- calibrate scenarios/kind-calibrate.yaml)";
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

        if (!Directory.Exists("/proc/sys/net/bridge"))
        {
            return "calibrate's kind cluster needs br_netfilter, which is not loaded (modprobe br_netfilter; note that it then makes this host's own bridges pass frames through iptables, as Docker does)";
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

    /// <summary>Kernel features whose paths calibrate cannot build here, each with what its stages become instead (nothing is loaded or created to find out).</summary>
    public static IReadOnlyList<string> AbsentModules()
    {
        var absent = new List<string>();
        if (!Available("ipip"))
        {
            absent.Add("ipip (no IP-in-IP here: IpipEncapsulate/IpipDecapsulate are derived from the VXLAN fit)");
        }

        if (!Available("ip_vs"))
        {
            absent.Add("ip_vs (no IPVS here: IpvsLookup/IpvsSchedule are derived from the conntrack fit)");
        }

        return absent;
    }

    /// <summary>
    /// Whether the kernel counts interrupt and softirq time apart from the task they interrupt
    /// (CONFIG_IRQ_TIME_ACCOUNTING): then a probe's own run time misses the softirqs that carry its packets, and
    /// calibrate measures CPU from the pinned CPU's /proc/stat instead (coarser: 10 ms ticks).
    /// </summary>
    public static bool IrqTimeAccounting()
    {
        string release = File.Exists("/proc/sys/kernel/osrelease") ? File.ReadAllText("/proc/sys/kernel/osrelease").Trim() : "";
        string config = $"/boot/config-{release}";
        if (File.Exists(config))
        {
            return File.ReadLines(config).Any(l => l == "CONFIG_IRQ_TIME_ACCOUNTING=y");
        }

        if (File.Exists("/proc/config.gz"))
        {
            using var gz = new System.IO.Compression.GZipStream(File.OpenRead("/proc/config.gz"), System.IO.Compression.CompressionMode.Decompress);
            using var reader = new StreamReader(gz);
            for (string? line; (line = reader.ReadLine()) is not null;)
            {
                if (line == "CONFIG_IRQ_TIME_ACCOUNTING=y")
                {
                    return true;
                }
            }

            return false;
        }

        return true; // unknown: assume the distributions' usual setting, and take the safe measure
    }

    private static bool Available(string module) =>
        Directory.Exists($"/sys/module/{module}") || (Command.Exists("modinfo") && Command.TryRun("modinfo", [module]).Code == 0);
}

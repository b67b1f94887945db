using System.Diagnostics;
using System.Text.RegularExpressions;
using NetPerf.Network.Netfilter;

namespace NetPerf.Calibration.Linux;

/// <summary>
/// The network namespaces one calibration builds, named <c>np{pid}-{name}</c> so that they can never be
/// mistaken for anything else, and all removed when it ends: on <see cref="Dispose"/>, on Ctrl-C (the caller
/// disposes), at process exit, and by the next calibration if this process was killed (<see cref="RemoveStale"/>).
/// Traffic only ever flows between these namespaces; nothing is changed in the host's own namespace.
/// </summary>
public sealed partial class NamespaceLab : IDisposable
{
    private readonly List<string> _namespaces = [];
    private readonly string _prefix = $"{Prefix}{Environment.ProcessId}-";

    /// <summary>Every namespace calibrate makes is named netperf-cal-PID-NAME.</summary>
    public const string Prefix = "netperf-cal-";
    private readonly Lock _gate = new();

    public NamespaceLab()
    {
        AppDomain.CurrentDomain.ProcessExit += OnExit;
    }

    /// <summary>Creates a namespace with lo up; returns its full name.</summary>
    public string Namespace(string name)
    {
        string full = _prefix + name;
        lock (_gate)
        {
            _namespaces.Add(full);
        }

        Command.Run("ip", ["netns", "add", full]);
        Ip(full, "link", "set", "lo", "up");
        return full;
    }

    /// <summary><c>ip -n NS ...</c>.</summary>
    public void Ip(string ns, params string[] args) => Command.Run("ip", ["-n", ns, .. args]);

    /// <summary>
    /// A veth pair, one end in each namespace, both up: created inside the first namespace with the peer placed in
    /// the second in the same netlink request, so no device ever exists in the host's own namespace.
    /// </summary>
    public void Veth(string ns1, string dev1, string ns2, string dev2, int mtu = 1500)
    {
        Ip(ns1, "link", "add", dev1, "mtu", $"{mtu}", "type", "veth", "peer", "name", dev2, "mtu", $"{mtu}", "netns", ns2);
        Ip(ns1, "link", "set", dev1, "up");
        Ip(ns2, "link", "set", dev2, "up");
    }

    public void Sysctl(string ns, string key, string value) => Command.Run("ip", ["netns", "exec", ns, "sysctl", "-qw", $"{key}={value}"]);

    /// <summary>Loads rules with <c>iptables-legacy-restore</c> or <c>iptables-nft-restore</c> in <paramref name="ns"/>.</summary>
    public void IptablesRestore(string ns, IptablesBackend backend, string rules) =>
        Command.Run("ip", ["netns", "exec", ns, backend == IptablesBackend.Legacy ? "iptables-legacy-restore" : "iptables-nft-restore"], stdin: rules);

    /// <summary>The MAC address of a device.</summary>
    public string Mac(string ns, string dev) => Command.Run("ip", ["netns", "exec", ns, "cat", $"/sys/class/net/{dev}/address"]).Trim();

    /// <summary>Starts <paramref name="program"/> inside <paramref name="ns"/>, output captured.</summary>
    public Process Start(string ns, string program, params string[] args)
    {
        var info = new ProcessStartInfo("ip") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var a in (string[])["netns", "exec", ns, program, .. args])
        {
            info.ArgumentList.Add(a);
        }

        return Process.Start(info) ?? throw new CalibrationException($"could not start {program} in {ns}");
    }

    /// <summary>Deletes every namespace this lab made (their devices, routes and rules go with them).</summary>
    public void Dispose()
    {
        string[] names;
        lock (_gate)
        {
            names = [.. _namespaces];
            _namespaces.Clear();
        }

        foreach (var ns in names)
        {
            Command.TryRun("ip", ["netns", "del", ns]);
        }

        AppDomain.CurrentDomain.ProcessExit -= OnExit;
    }

    /// <summary>Removes namespaces left by calibrations whose process is gone (killed before it could clean up).</summary>
    public static int RemoveStale()
    {
        var (code, output, _) = Command.TryRun("ip", ["netns", "list"]);
        if (code != 0)
        {
            return 0;
        }

        int removed = 0;
        foreach (Match m in StaleName().Matches(output))
        {
            int pid = int.Parse(m.Groups[2].Value, System.Globalization.CultureInfo.InvariantCulture);
            if (pid != Environment.ProcessId && !Directory.Exists($"/proc/{pid}"))
            {
                // A probe that outlived its calibration keeps the namespace alive: end it first.
                var (_, pids, _) = Command.TryRun("ip", ["netns", "pids", m.Groups[1].Value]);
                foreach (var p in pids.Split('\n', StringSplitOptions.RemoveEmptyEntries))
                {
                    Command.TryRun("kill", ["-9", p.Trim()]);
                }

                Command.TryRun("ip", ["netns", "del", m.Groups[1].Value]);
                removed++;
            }
        }

        return removed;
    }

    private void OnExit(object? sender, EventArgs e) => Dispose();

    [GeneratedRegex(@"^(netperf-cal-(\d+)-[A-Za-z0-9-]+)", RegexOptions.Multiline)]
    private static partial Regex StaleName();
}

using System.Diagnostics;

namespace NetPerf.Calibration.Tests;

/// <summary>
/// Waits until no other test assembly of this repository is running and this machine's CPUs have been mostly idle
/// (under a quarter busy, all CPUs together) for ten seconds in a row. `dotnet test NetPerf.sln` runs two assemblies
/// at once on two CPUs, and they pause between their tests for a few seconds and then go on: a calibration begun
/// after a 3 s quiet pause, with the Cli assembly still running, measured loopback moving from 16.6 to 21.5 us
/// between its rounds.
/// </summary>
internal static class QuietMachine
{
    public static TimeSpan Wait(TimeSpan limit)
    {
        var clock = Stopwatch.StartNew();
        int quiet = 0;
        var (busy, total) = Sample();
        while ((quiet < 10 || OtherTestAssemblies().Count > 0) && clock.Elapsed < limit)
        {
            Thread.Sleep(1000);
            var (b, t) = Sample();
            double share = t > total ? (double)(b - busy) / (t - total) : 1;
            quiet = share < 0.25 ? quiet + 1 : 0;
            (busy, total) = (b, t);
        }

        return clock.Elapsed;
    }

    /// <summary>
    /// The other NetPerf test assemblies running now, by the command lines of this machine's processes (a test host
    /// or the runner that started it names its assembly): every one but this.
    /// </summary>
    public static IReadOnlyList<string> OtherTestAssemblies()
    {
        string own = Path.GetFileName(typeof(QuietMachine).Assembly.Location);
        var found = new SortedSet<string>(StringComparer.Ordinal);
        foreach (string dir in Directory.EnumerateDirectories("/proc"))
        {
            if (!int.TryParse(Path.GetFileName(dir), out int pid) || pid == Environment.ProcessId)
            {
                continue;
            }

            string line;
            try
            {
                line = File.ReadAllText(Path.Combine(dir, "cmdline"));
            }
            catch (IOException)
            {
                continue; // the process ended while it was read
            }
            catch (UnauthorizedAccessException)
            {
                continue;
            }

            foreach (string arg in line.Split('\0'))
            {
                string name = Path.GetFileName(arg);
                if (name.StartsWith("NetPerf.", StringComparison.Ordinal) && name.EndsWith(".Tests.dll", StringComparison.Ordinal) && name != own)
                {
                    found.Add(name);
                }
            }
        }

        return [.. found];
    }

    /// <summary>The first line of /proc/stat: busy (user, nice, system, irq, softirq, steal) and total ticks.</summary>
    private static (long Busy, long Total) Sample()
    {
        var f = File.ReadLines("/proc/stat").First().Split(' ', StringSplitOptions.RemoveEmptyEntries).Skip(1).Select(long.Parse).ToArray();
        long total = f.Take(8).Sum();
        return (total - f[3] - f[4], total);
    }
}

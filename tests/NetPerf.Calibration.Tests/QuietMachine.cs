using System.Diagnostics;

namespace NetPerf.Calibration.Tests;

/// <summary>
/// Waits until this machine's CPUs have been mostly idle (under a quarter busy, all CPUs together) for ten seconds in a
/// row: the other test assemblies of the default suite pause between their tests for a few seconds and then go on,
/// and a calibration begun after a 3 s pause, with the Cli assembly still running, measured loopback moving from 16.6
/// to 21.5 us between its rounds.
/// </summary>
internal static class QuietMachine
{
    public static TimeSpan Wait(TimeSpan limit)
    {
        var clock = Stopwatch.StartNew();
        int quiet = 0;
        var (busy, total) = Sample();
        while (quiet < 10 && clock.Elapsed < limit)
        {
            Thread.Sleep(1000);
            var (b, t) = Sample();
            double share = t > total ? (double)(b - busy) / (t - total) : 1;
            quiet = share < 0.25 ? quiet + 1 : 0;
            (busy, total) = (b, t);
        }

        return clock.Elapsed;
    }

    /// <summary>The first line of /proc/stat: busy (user, nice, system, irq, softirq, steal) and total ticks.</summary>
    private static (long Busy, long Total) Sample()
    {
        var f = File.ReadLines("/proc/stat").First().Split(' ', StringSplitOptions.RemoveEmptyEntries).Skip(1).Select(long.Parse).ToArray();
        long total = f.Take(8).Sum();
        return (total - f[3] - f[4], total);
    }
}

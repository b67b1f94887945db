using System.Diagnostics;
using System.Globalization;
using System.Text.RegularExpressions;

namespace NetPerf.Scenarios.Results;

/// <summary>
/// The hidden temporary folders a killed run leaves (SIGKILL, a second Ctrl-C), removed by the next run in the
/// same results root. Two runs may share a root, so a folder goes only when the process named in it is gone; a
/// pid means something only on its own machine (or container: a shared root may be mounted in several), so the
/// name carries the machine's too, and a folder of another machine goes only after a day untouched.
/// </summary>
public static partial class Leftovers
{
    /// <summary>Folders named before the owner's pid was in the name: their owner is unknown, so only a day's silence says it is gone.</summary>
    public static readonly TimeSpan UnownedAge = TimeSpan.FromDays(1);

    /// <summary>The hidden name of a run's temporary folder: its id, its owner's pid and machine, and a guid of its own.</summary>
    public static string TempName(string runId, int pid) => $".{runId}.p{pid.ToString(CultureInfo.InvariantCulture)}-{Machine}.{Guid.NewGuid():N}.tmp";

    /// <summary>This machine's name as 8 hex digits (FNV-1a: stable across processes, unlike string.GetHashCode).</summary>
    public static string Machine { get; } = Fnv(Environment.MachineName);

    /// <summary>Removes every leftover under the root's scenario folders and returns the folders removed.</summary>
    public static IReadOnlyList<string> Remove(string resultsRoot)
    {
        var removed = new List<string>();
        if (!Directory.Exists(resultsRoot))
        {
            return removed;
        }

        foreach (var scenarioDir in SafeList(() => Directory.GetDirectories(resultsRoot)))
        {
            foreach (var dir in SafeList(() => Directory.GetDirectories(scenarioDir, ".*.tmp")))
            {
                if (IsAbandoned(dir))
                {
                    try
                    {
                        Directory.Delete(dir, recursive: true);
                        removed.Add(dir);
                    }
                    catch (Exception e) when (e is IOException or UnauthorizedAccessException)
                    {
                        // Another run removing it at once, or not ours to remove: leave it.
                    }
                }
            }
        }

        return removed;
    }

    /// <summary>Whether a temporary folder's owner is gone: its pid names no live process here (or, made elsewhere or before pids were named, it is a day old).</summary>
    public static bool IsAbandoned(string dir)
    {
        string name = Path.GetFileName(dir);
        if (Owned().Match(name) is { Success: true } m && m.Groups["machine"].Value == Machine)
        {
            return !Alive(int.Parse(m.Groups["pid"].Value, CultureInfo.InvariantCulture));
        }

        return Unowned().IsMatch(name) && DateTime.UtcNow - Directory.GetLastWriteTimeUtc(dir) > UnownedAge;
    }

    private static string Fnv(string text)
    {
        uint hash = 2166136261;
        foreach (char c in text)
        {
            hash = (hash ^ c) * 16777619;
        }

        return hash.ToString("x8", CultureInfo.InvariantCulture);
    }

    private static bool Alive(int pid)
    {
        if (pid == Environment.ProcessId)
        {
            return true;
        }

        try
        {
            using var p = Process.GetProcessById(pid);
            return !p.HasExited;
        }
        catch (Exception e) when (e is ArgumentException or InvalidOperationException)
        {
            return false; // no such process
        }
    }

    private static string[] SafeList(Func<string[]> list)
    {
        try
        {
            return list();
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return [];
        }
    }

    [GeneratedRegex(@"^\..+\.p(?<pid>\d{1,9})-(?<machine>[0-9a-f]{8})\.[0-9a-f]{32}\.tmp$")]
    private static partial Regex Owned();

    [GeneratedRegex(@"^\..+\.[0-9a-f]{32}\.tmp$")]
    private static partial Regex Unowned();
}

using System.Diagnostics;
using NetPerf.Scenarios.Results;

namespace NetPerf.Scenarios.Tests.Results;

/// <summary>A killed run's hidden folder is removed by the next run in the root; a live run's is not.</summary>
public sealed class LeftoversTests : IDisposable
{
    private readonly string _root = Directory.CreateTempSubdirectory("netperf-leftovers-").FullName;

    public void Dispose() => Directory.Delete(_root, recursive: true);

    [Fact]
    public void A_temporary_folder_whose_owner_process_is_gone_is_removed_and_a_live_ones_is_kept()
    {
        int dead = DeadPid();
        string killed = Make("localhost", Leftovers.TempName("20260101-000000", dead));
        string mine = Make("localhost", Leftovers.TempName("20260101-000001", Environment.ProcessId));
        string finished = Make("localhost", "20260101-000002");

        var removed = Leftovers.Remove(_root);

        Assert.Equal([killed], removed);
        Assert.False(Directory.Exists(killed));
        Assert.True(Directory.Exists(mine));
        Assert.True(Directory.Exists(finished)); // a run folder is never a leftover
    }

    [Fact]
    public void A_temporary_folder_named_before_pids_were_is_removed_only_after_a_day_untouched()
    {
        string recent = Make("s", $".old.{Guid.NewGuid():N}.tmp");
        string stale = Make("s", $".older.{Guid.NewGuid():N}.tmp");
        Directory.SetLastWriteTimeUtc(stale, DateTime.UtcNow - Leftovers.UnownedAge - TimeSpan.FromHours(1));

        Assert.Equal([stale], Leftovers.Remove(_root));
        Assert.True(Directory.Exists(recent));
    }

    [Fact]
    public void The_temporary_name_carries_the_owner_pid_and_machine()
    {
        Assert.Matches(@"^\.run-1\.p4242-" + Leftovers.Machine + @"\.[0-9a-f]{32}\.tmp$", Leftovers.TempName("run-1", 4242));
    }

    [Fact]
    public void A_temporary_folder_of_another_machine_is_kept_however_dead_its_pid_looks_here()
    {
        string other = Leftovers.Machine == "00000000" ? "00000001" : "00000000";
        string elsewhere = Make("s", $".r.p{DeadPid()}-{other}.{Guid.NewGuid():N}.tmp"); // a shared root mounted in another container

        Assert.Empty(Leftovers.Remove(_root));
        Assert.True(Directory.Exists(elsewhere));
    }

    private string Make(string scenario, string name) => Directory.CreateDirectory(Path.Combine(_root, scenario, name)).FullName;

    /// <summary>The pid of a process that has exited (the kernel reuses pids only after wrapping round).</summary>
    private static int DeadPid()
    {
        using var p = Process.Start(new ProcessStartInfo("true") { UseShellExecute = false })!;
        p.WaitForExit();
        return p.Id;
    }
}

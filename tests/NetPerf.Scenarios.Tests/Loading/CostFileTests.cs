using System.Diagnostics;
using NetPerf.Scenarios.Loading;

namespace NetPerf.Scenarios.Tests.Loading;

/// <summary>A scenario's costFile: read only from its own folder (unless allowed), only when a regular file, and every fault located.</summary>
public sealed class CostFileTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("netperf-costfile-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private string Scenario(string costFile)
    {
        string path = Path.Combine(_dir, "s.yaml");
        File.WriteAllText(path, $"costFile: {costFile}\nworkloads: [{{name: a, test: TCP_RR}}]\n");
        return path;
    }

    private ScenarioError Refused(string costFile, bool allowOutside = false)
    {
        var e = Assert.Throws<ScenarioException>(() => ScenarioReader.Load(Scenario(costFile), allowOutside: allowOutside));
        var error = Assert.Single(e.Errors);
        Assert.Equal((1, 11), (error.Line, error.Column));
        return error;
    }

    /// <summary>The shipped table (embedded in the network assembly), written into the scenario's folder.</summary>
    private void Copy(string name)
    {
        using var shipped = typeof(NetPerf.Network.Cpu.CostTable).Assembly.GetManifestResourceStream("NetPerf.Network.cost-model.csv")!;
        using var file = File.Create(Path.Combine(_dir, name));
        shipped.CopyTo(file);
    }

    [Fact]
    public void A_cost_file_beside_the_scenario_is_read()
    {
        Copy("costs.csv");

        Assert.Equal("costs.csv", ScenarioReader.Load(Scenario("costs.csv")).CostFile);
    }

    [Fact]
    public void A_cost_file_outside_the_scenario_folder_is_refused_unless_allowed()
    {
        Directory.CreateDirectory(Path.Combine(_dir, "sub"));
        File.Move(Scenario("x"), Path.Combine(_dir, "sub", "ignored.yaml"));
        Copy("costs.csv");
        string inner = Path.Combine(_dir, "sub", "s.yaml");
        File.WriteAllText(inner, "costFile: ../costs.csv\nworkloads: [{name: a, test: TCP_RR}]\n");

        var e = Assert.Throws<ScenarioException>(() => ScenarioReader.Load(inner));
        Assert.Contains("is outside the scenario's folder; move it beside the scenario, or pass --allow-outside", Assert.Single(e.Errors).Message, StringComparison.Ordinal);
        Assert.Equal("../costs.csv", ScenarioReader.Load(inner, allowOutside: true).CostFile);
    }

    [Fact]
    public void A_symbolic_link_out_of_the_folder_is_outside_too()
    {
        Copy("real.csv");
        Directory.CreateDirectory(Path.Combine(_dir, "sub"));
        File.CreateSymbolicLink(Path.Combine(_dir, "sub", "costs.csv"), Path.Combine(_dir, "real.csv"));
        string inner = Path.Combine(_dir, "sub", "s.yaml");
        File.WriteAllText(inner, "costFile: costs.csv\nworkloads: [{name: a, test: TCP_RR}]\n");

        var e = Assert.Throws<ScenarioException>(() => ScenarioReader.Load(inner));
        Assert.Contains("real.csv', is outside the scenario's folder", Assert.Single(e.Errors).Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_NUL_in_the_path_is_refused_and_shown_escaped()
    {
        Assert.Equal("costFile: the path contains a NUL character; give a file name", Refused("\"a\\0b.csv\"").Message);
    }

    [Fact]
    public void Dev_zero_is_refused_without_being_read_even_when_outside_is_allowed()
    {
        if (File.Exists("/dev/zero"))
        {
            Assert.Contains("not a regular file", Refused("/dev/zero", allowOutside: true).Message, StringComparison.Ordinal);
        }
    }

    [Fact]
    public void A_directory_is_refused_in_words()
    {
        Directory.CreateDirectory(Path.Combine(_dir, "d"));

        Assert.Equal("costFile: cannot read 'd': it is a directory, not a file", Refused("d").Message);
    }

    [Fact]
    public void A_stray_quote_or_a_short_row_is_a_located_scenario_error()
    {
        File.WriteAllText(Path.Combine(_dir, "q.csv"), "stage,fixed_ns,ns_per_byte,source\nSyscall,1\"2,0,x\nUdpOutput,1\n");

        var error = Refused("q.csv");

        Assert.StartsWith("costFile: 'q.csv' is not a valid cost table: ", error.Message, StringComparison.Ordinal);
        Assert.Contains("q.csv:2: a quote inside an unquoted field", error.Message, StringComparison.Ordinal);
        Assert.Contains("q.csv:3: 2 field(s)", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Bytes_from_the_cost_file_are_escaped_in_the_error()
    {
        File.WriteAllText(Path.Combine(_dir, "e.csv"), "stage,fixed_ns,ns_per_byte,source\nSys\u001b[2Jcall,1,0,x\n");

        var error = Refused("e.csv");

        Assert.Contains("unknown stage 'Sys\\e[2Jcall'", error.Message, StringComparison.Ordinal);
        Assert.DoesNotContain(error.Message, char.IsControl);
    }

    // Issue 16: a FIFO named as the costFile hung the reader forever (open() waits for a writer that never comes).
    [Fact]
    public async Task A_FIFO_as_the_cost_file_is_refused_without_waiting_for_a_writer()
    {
        string fifo = Path.Combine(_dir, "costs.csv");
        Assert.False(OperatingSystem.IsWindows(), "this test needs mkfifo (Linux, macOS)");
        using (var mkfifo = Process.Start(new ProcessStartInfo("mkfifo", [fifo]) { UseShellExecute = false })!)
        {
            await mkfifo.WaitForExitAsync();
            Assert.Equal(0, mkfifo.ExitCode);
        }

        string scenario = Scenario("costs.csv");
        var load = Task.Run(() => Assert.Throws<ScenarioException>(() => ScenarioReader.Load(scenario)));
        Assert.True(await Task.WhenAny(load, Task.Delay(TimeSpan.FromSeconds(30))) == load, "loading a scenario whose costFile is a FIFO hung");
        var error = Assert.Single((await load).Errors);
        Assert.Equal((1, 11), (error.Line, error.Column));
        Assert.Contains("not a regular file", error.Message, StringComparison.Ordinal);
    }

    // Issue 16: a 1 GB cost file took 4-6 GB of memory and then threw OverflowException. A sparse file has the
    // size without the disk blocks; the size cap refuses it from its length, so almost nothing is allocated.
    [Fact]
    public void A_sparse_gigabyte_cost_file_is_refused_by_its_size_without_being_read()
    {
        using (var file = File.Create(Path.Combine(_dir, "huge.csv")))
        {
            file.SetLength(1L << 30);
        }

        long before = GC.GetAllocatedBytesForCurrentThread();
        var error = Refused("huge.csv");
        long allocated = GC.GetAllocatedBytesForCurrentThread() - before;

        Assert.Contains("1,073,741,824 bytes; at most 1,048,576 are read", error.Message, StringComparison.Ordinal);
        Assert.True(allocated < 16 << 20, $"refusing a 1 GB cost file allocated {allocated:N0} bytes; it should not read the file");
    }
}

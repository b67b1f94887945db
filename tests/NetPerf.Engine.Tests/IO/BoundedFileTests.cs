using System.Diagnostics;
using NetPerf.Engine.IO;

namespace NetPerf.Engine.Tests.IO;

/// <summary>A file a user names is read in bounded time and memory, or refused saying why.</summary>
public sealed class BoundedFileTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("netperf-bounded-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [Fact]
    public void A_regular_file_under_the_cap_is_read_whole()
    {
        string path = Path.Combine(_dir, "a.txt");
        File.WriteAllText(path, "hello\n");

        Assert.Equal("hello\n", BoundedFile.ReadText(path, 100));
    }

    [Fact]
    public void A_file_over_the_cap_is_refused_before_it_is_read()
    {
        string path = Path.Combine(_dir, "big.txt");
        File.WriteAllText(path, new string('x', 101));

        var e = Assert.Throws<IOException>(() => BoundedFile.ReadText(path, 100));
        Assert.Contains("101 bytes; at most 100", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_directory_a_NUL_in_the_path_and_a_missing_file_are_refused_in_words()
    {
        Assert.Contains("directory", Assert.Throws<IOException>(() => BoundedFile.ReadText(_dir, 100)).Message, StringComparison.Ordinal);
        Assert.Contains("NUL", Assert.Throws<IOException>(() => BoundedFile.ReadText("a\0b", 100)).Message, StringComparison.Ordinal);
        Assert.Contains("no such file", Assert.ThrowsAny<IOException>(() => BoundedFile.ReadText(Path.Combine(_dir, "none"), 100)).Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Dev_zero_is_refused_instead_of_read_forever()
    {
        if (!File.Exists("/dev/zero"))
        {
            return;
        }

        var e = Assert.Throws<IOException>(() => BoundedFile.ReadText("/dev/zero", 1 << 20));
        Assert.Contains("not a regular file", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_FIFO_is_refused_without_waiting_for_a_writer()
    {
        string fifo = Path.Combine(_dir, "fifo");
        if (OperatingSystem.IsWindows() || !MakeFifo(fifo))
        {
            return;
        }

        var read = Task.Run(() => BoundedFile.ReadText(fifo, 1 << 20));
        var first = await Task.WhenAny(read, Task.Delay(TimeSpan.FromSeconds(10)));
        Assert.True(first == read, "reading a FIFO hung");
        await Assert.ThrowsAsync<IOException>(() => read);
    }

    private static bool MakeFifo(string path)
    {
        try
        {
            using var p = Process.Start(new ProcessStartInfo("mkfifo", [path]) { UseShellExecute = false })!;
            p.WaitForExit();
            return p.ExitCode == 0;
        }
        catch (System.ComponentModel.Win32Exception)
        {
            return false; // no mkfifo here
        }
    }
}

using System.Diagnostics;

namespace NetPerf.Cli.Tests.Commands;

/// <summary>
/// A directory nothing can be created in: mode 555 for an ordinary user; for root, who ignores permissions, the
/// immutable attribute (chattr +i), which needs CAP_LINUX_IMMUTABLE and a file system that keeps it (ext4, xfs).
/// </summary>
internal sealed class ReadOnlyDirectory : IDisposable
{
    public string Path { get; }

    private readonly bool _immutable;

    private ReadOnlyDirectory(string path, bool immutable) => (Path, _immutable) = (path, immutable);

    /// <summary>A read-only directory, or null with the reason none can be made here.</summary>
    public static ReadOnlyDirectory? TryCreate(out string why)
    {
        why = "";
        string path = Directory.CreateTempSubdirectory("netperf-readonly-").FullName;
        bool immutable = Environment.IsPrivilegedProcess;
        if (immutable ? !Chattr("+i", path) : !TryChmod555(path))
        {
            why = immutable ? "root ignores permissions and chattr +i failed (no CAP_LINUX_IMMUTABLE, or the file system has no such attribute)" : "chmod failed";
            Directory.Delete(path);
            return null;
        }

        var made = new ReadOnlyDirectory(path, immutable);
        try
        {
            Directory.CreateDirectory(System.IO.Path.Combine(path, "probe"));
            made.Dispose();
            why = "a directory made read-only still took a new entry";
            return null;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return made;
        }
    }

    public void Dispose()
    {
        if (_immutable)
        {
            Chattr("-i", Path);
        }
        else if (!OperatingSystem.IsWindows())
        {
            File.SetUnixFileMode(Path, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        }

        Directory.Delete(Path, recursive: true);
    }

    private static bool TryChmod555(string path)
    {
        if (OperatingSystem.IsWindows())
        {
            return false;
        }

        File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.UserExecute | UnixFileMode.GroupRead | UnixFileMode.GroupExecute | UnixFileMode.OtherRead | UnixFileMode.OtherExecute);
        return true;
    }

    private static bool Chattr(string flag, string path)
    {
        try
        {
            using var p = Process.Start(new ProcessStartInfo("chattr", [flag, path]) { UseShellExecute = false, RedirectStandardError = true })!;
            p.WaitForExit();
            return p.ExitCode == 0;
        }
        catch (System.ComponentModel.Win32Exception)
        {
            return false; // no chattr here
        }
    }
}

/// <summary>A fact skipped, saying why, where no read-only directory can be made (see <see cref="ReadOnlyDirectory"/>).</summary>
internal sealed class ReadOnlyDirectoryFactAttribute : FactAttribute
{
    public ReadOnlyDirectoryFactAttribute()
    {
        using var probe = ReadOnlyDirectory.TryCreate(out string why);
        if (probe is null)
        {
            Skip = $"cannot make a read-only directory here: {why}";
        }
    }
}

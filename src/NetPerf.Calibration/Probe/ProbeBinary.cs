using NetPerf.Calibration.Linux;

namespace NetPerf.Calibration.Probe;

/// <summary>
/// The probe program (Probe/npprobe.c, shipped inside this assembly), built with the machine's C compiler into a
/// temporary folder when calibration starts: nothing is downloaded, and the probe's own work per transaction is
/// two system calls and a clock read, so it adds little of its own to what is measured.
/// </summary>
public sealed class ProbeBinary : IDisposable
{
    private readonly string _dir;

    private ProbeBinary(string dir, string path)
    {
        _dir = dir;
        Path = path;
    }

    public string Path { get; }

    public static ProbeBinary Build()
    {
        string? cc = new[] { "cc", "gcc", "clang" }.FirstOrDefault(Command.Exists)
            ?? throw new CalibrationException("calibrate builds its probe with a C compiler, and none (cc, gcc, clang) is on PATH; install one (Debian: apt-get install gcc)");
        string dir = Directory.CreateTempSubdirectory("netperf-probe-").FullName;
        string source = System.IO.Path.Combine(dir, "npprobe.c");
        using (var stream = typeof(ProbeBinary).Assembly.GetManifestResourceStream("NetPerf.Calibration.npprobe.c")!)
        using (var file = File.Create(source))
        {
            stream.CopyTo(file);
        }

        string binary = System.IO.Path.Combine(dir, "npprobe");
        Command.Run(cc, ["-O2", "-o", binary, source], TimeSpan.FromSeconds(60));
        return new ProbeBinary(dir, binary);
    }

    public void Dispose()
    {
        try
        {
            Directory.Delete(_dir, recursive: true);
        }
        catch (IOException)
        {
            // A temporary folder: the system cleans it up if we cannot.
        }
    }
}

using System.Diagnostics;

namespace NetPerf.Calibration.Linux;

/// <summary>Runs a program (no shell) and waits for it with a time limit; a failure says what ran and what it printed.</summary>
public static class Command
{
    public static string Run(string program, IEnumerable<string> args, TimeSpan? timeout = null, string? stdin = null)
    {
        var (code, output, error) = TryRun(program, args, timeout, stdin);
        if (code != 0)
        {
            throw new CalibrationException($"'{program} {string.Join(' ', args)}' failed (exit {code}): {Trim(error.Length > 0 ? error : output)}");
        }

        return output;
    }

    public static (int Code, string Output, string Error) TryRun(string program, IEnumerable<string> args, TimeSpan? timeout = null, string? stdin = null)
    {
        var info = new ProcessStartInfo(program)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = stdin is not null,
            UseShellExecute = false,
        };
        foreach (var a in args)
        {
            info.ArgumentList.Add(a);
        }

        Process process;
        try
        {
            process = Process.Start(info) ?? throw new CalibrationException($"could not start {program}");
        }
        catch (System.ComponentModel.Win32Exception e)
        {
            throw new CalibrationException($"could not start {program}: {e.Message}");
        }

        using (process)
        {
            var output = process.StandardOutput.ReadToEndAsync();
            var error = process.StandardError.ReadToEndAsync();
            if (stdin is not null)
            {
                process.StandardInput.Write(stdin);
                process.StandardInput.Close();
            }

            if (!process.WaitForExit(timeout ?? TimeSpan.FromSeconds(30)))
            {
                process.Kill(entireProcessTree: true);
                throw new CalibrationException($"'{program} {string.Join(' ', args)}' did not finish within {(timeout ?? TimeSpan.FromSeconds(30)).TotalSeconds:0} s");
            }

            process.WaitForExit();
            return (process.ExitCode, output.Result, error.Result);
        }
    }

    /// <summary>Whether <paramref name="program"/> is on PATH.</summary>
    public static bool Exists(string program) =>
        (Environment.GetEnvironmentVariable("PATH") ?? "").Split(':', StringSplitOptions.RemoveEmptyEntries)
            .Concat(["/usr/sbin", "/sbin"])
            .Any(dir => File.Exists(Path.Combine(dir, program)));

    private static string Trim(string s) => s.Trim().Length > 400 ? s.Trim()[..400] + "..." : s.Trim();
}

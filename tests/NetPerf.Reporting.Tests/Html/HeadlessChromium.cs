using System.Diagnostics;

namespace NetPerf.Reporting.Tests.Html;

/// <summary>
/// Debian's Chromium (apt-get install chromium), run headless to load a page and dump its DOM. A test tool's
/// own browser download cannot work on the CI machine, so this uses only the distribution's package.
/// </summary>
internal static class HeadlessChromium
{
    private static readonly Lazy<string?> Executable = new(Find);

    /// <summary>The browser's path, or null when it is not installed.</summary>
    public static string? Path => Executable.Value;

    public static string SkipReason =>
        "Chromium is not installed (on Debian: apt-get install -y chromium); the report was not opened in a browser.";

    /// <summary>
    /// Loads <paramref name="file"/> and returns the DOM after load (stdout) and the lines Chromium logged for
    /// the page's console: with --enable-logging=stderr every console message and uncaught exception is a
    /// stderr line with ":CONSOLE" in it (":INFO:CONSOLE:3] \"Uncaught ReferenceError: ...\", source: file://...").
    /// </summary>
    public static (string Dom, IReadOnlyList<string> ConsoleLines, string Stderr) Load(string file)
    {
        string browser = Path ?? throw new InvalidOperationException(SkipReason);
        string profile = System.IO.Path.Combine(System.IO.Path.GetTempPath(), "netperf-chromium-" + Guid.NewGuid().ToString("N"));
        var start = new ProcessStartInfo(browser)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (string argument in (string[])
                 [
                     "--headless", "--disable-gpu", "--no-sandbox", "--no-first-run", "--disable-extensions",
                     $"--user-data-dir={profile}", "--enable-logging=stderr", "--v=0", "--dump-dom",
                     new Uri(System.IO.Path.GetFullPath(file)).AbsoluteUri,
                 ])
            start.ArgumentList.Add(argument);
        try
        {
            using Process process = Process.Start(start) ?? throw new InvalidOperationException($"Could not start {browser}.");
            Task<string> stdout = process.StandardOutput.ReadToEndAsync();
            Task<string> stderr = process.StandardError.ReadToEndAsync();
            if (!process.WaitForExit(TimeSpan.FromSeconds(90)))
            {
                process.Kill(entireProcessTree: true);
                throw new TimeoutException($"{browser} did not finish loading {file} within 90 s.");
            }
            process.WaitForExit(); // drains the redirected streams
            string log = stderr.Result;
            List<string> console = log.Split('\n')
                .Where(line => line.Contains(":CONSOLE", StringComparison.Ordinal) || line.Contains("Uncaught", StringComparison.Ordinal))
                .ToList();
            return (stdout.Result, console, log);
        }
        finally
        {
            try
            {
                Directory.Delete(profile, recursive: true);
            }
            catch (IOException)
            {
            }
        }
    }

    private static string? Find()
    {
        if (File.Exists("/usr/bin/chromium"))
            return "/usr/bin/chromium";
        foreach (string dir in (Environment.GetEnvironmentVariable("PATH") ?? "").Split(System.IO.Path.PathSeparator))
        {
            foreach (string name in (string[])["chromium", "chromium-browser"])
            {
                string candidate = System.IO.Path.Combine(dir, name);
                if (dir.Length > 0 && File.Exists(candidate))
                    return candidate;
            }
        }
        return null;
    }
}

/// <summary>A fact that is skipped, saying why, on a machine without Chromium (xunit 2 has no dynamic skip).</summary>
internal sealed class ChromiumFactAttribute : FactAttribute
{
    public ChromiumFactAttribute()
    {
        if (HeadlessChromium.Path is null)
            Skip = HeadlessChromium.SkipReason;
    }
}

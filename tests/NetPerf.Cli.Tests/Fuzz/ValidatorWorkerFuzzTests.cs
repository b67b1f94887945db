using System.Diagnostics;
using System.Text.Json;
using Xunit.Abstractions;

namespace NetPerf.Cli.Tests.Fuzz;

/// <summary>
/// Issue 16's fuzz test: mutated shipped and broken scenarios, and inputs built to kill a process (30,000 nested
/// brackets, an alias bomb, a value of 1 MiB), fed to one persistent `netperf validate-worker` child process with a
/// 512 MB heap limit (DOTNET_GCHeapHardLimit). Every input must be accepted or refused with located, printable
/// errors within 5 s (asked again with 30 s on a fresh worker before it counts as a hang: the machine may be busy);
/// a crash, a hang or running out of memory kills only the worker, which is restarted, and fails the test naming
/// the input. NETPERF_FUZZ_INPUTS sets the number of mutations (default 400; a long run outside
/// the default suite: `bash tools/fuzz/long-run.sh 1000000`, which prints the figures below).
/// </summary>
public sealed class ValidatorWorkerFuzzTests(ITestOutputHelper output) : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("netperf-fuzz-").FullName;
    private Process? _worker;
    private int _starts;

    public void Dispose()
    {
        Stop();
        Directory.Delete(_dir, recursive: true);
    }

    [Fact]
    public void Every_input_is_accepted_or_refused_located_and_printable_and_none_kills_the_worker()
    {
        int inputs = int.TryParse(Environment.GetEnvironmentVariable("NETPERF_FUZZ_INPUTS"), out int n) ? n : 400;
        var seeds = Directory.GetFiles(Path.Combine(AppContext.BaseDirectory, "scenarios"), "*.yaml").Order(StringComparer.Ordinal).Select(File.ReadAllText).ToList();
        var random = new Random(20_261_202);
        var hostile = new[]
        {
            new string('[', 30_000),
            "a: &a [x, x, x, x, x, x, x, x]\nb: &b [*a, *a, *a, *a, *a, *a, *a, *a]\nc: &c [*b, *b, *b, *b, *b, *b, *b, *b]\nd: &d [*c, *c, *c, *c, *c, *c, *c, *c]\n? [*d, *d, *d, *d, *d, *d, *d, *d]\n: 1\n",
            "name: " + new string('x', 1 << 20) + "\n",
        };
        var failures = new List<string>();
        int accepted = 0, refused = 0;
        var clock = Stopwatch.StartNew();
        for (int i = 0; i < hostile.Length + inputs; i++)
        {
            string text = i < hostile.Length ? hostile[i] : Scenarios.Tests.Loading.ScenarioMutator.Mutate(seeds[random.Next(seeds.Count)], random);
            string file = Path.Combine(_dir, $"input-{i % 64}.yaml");
            File.WriteAllText(file, text);
            switch (Ask(file, text, out string why))
            {
                case true: accepted++; break;
                case false: refused++; break;
                default: failures.Add($"input {i} ({Show(text)}): {why}"); break;
            }
        }

        clock.Stop();
        int total = hostile.Length + inputs;
        output.WriteLine($"fuzz: {total} inputs ({hostile.Length} hostile), {accepted} accepted, {refused} refused, {failures.Count} failed; "
            + $"{_starts} worker start(s); {clock.Elapsed.TotalSeconds:F1} s, {total / clock.Elapsed.TotalSeconds:F0} inputs/s");
        Assert.True(failures.Count == 0, string.Join("\n", failures.Take(10)));
        Assert.True(refused > 0 && accepted + refused == hostile.Length + inputs);
    }

    /// <summary>
    /// true accepted, false refused well; null: anything else, with why. An input unanswered in 5 s is asked again
    /// of a fresh worker with 30 s: the default suite runs other test assemblies (and a calibration pinned to a
    /// CPU) beside this one, so a first miss can be the machine's, not a hang; a second miss, or a death, fails.
    /// </summary>
    private bool? Ask(string file, string text, out string why)
    {
        why = "";
        string? answer = Answer(file, TimeSpan.FromSeconds(5), out why);
        if (answer is null && why.StartsWith("no answer", StringComparison.Ordinal))
        {
            answer = Answer(file, TimeSpan.FromSeconds(30), out why);
        }

        if (answer is null)
        {
            return null;
        }

        return Judge(answer, text, out why);
    }

    private string? Answer(string file, TimeSpan limit, out string why)
    {
        why = "";
        var worker = _worker ??= Start();
        worker.StandardInput.WriteLine(file);
        worker.StandardInput.Flush();
        var line = worker.StandardOutput.ReadLineAsync();
        if (!line.Wait(limit) || line.Result is null)
        {
            why = worker.HasExited ? $"the worker died (exit {worker.ExitCode})" : $"no answer within {limit.TotalSeconds:F0} s";
            Stop();
            return null;
        }

        return line.Result;
    }

    private static bool? Judge(string result, string text, out string why)
    {
        why = "";

        using var answer = JsonDocument.Parse(result);
        if (answer.RootElement.TryGetProperty("crash", out var crash))
        {
            why = $"not a located refusal: {crash.GetString()}";
            return null;
        }

        if (answer.RootElement.GetProperty("ok").GetBoolean())
        {
            return true;
        }

        int lines = text.Count(c => c == '\n') + 1;
        foreach (var e in answer.RootElement.GetProperty("errors").EnumerateArray())
        {
            int at = e.GetProperty("line").GetInt32();
            string message = e.GetProperty("message").GetString() ?? "";
            if (at < 1 || at > lines + 1 || e.GetProperty("column").GetInt32() < 1)
            {
                why = $"error outside the file ({at} of {lines} lines): {message}";
                return null;
            }

            if (message.Any(c => char.IsControl(c)))
            {
                why = $"a control character in: {Show(message)}";
                return null;
            }
        }

        return false;
    }

    private Process Start()
    {
        _starts++;
        var info = new ProcessStartInfo("dotnet") { RedirectStandardInput = true, RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        info.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "netperf.dll"));
        info.ArgumentList.Add("validate-worker");
        info.Environment["DOTNET_GCHeapHardLimit"] = "0x20000000"; // 512 MB: an input that needs more kills the worker, not the machine
        var p = Process.Start(info)!;
        _ = p.StandardError.ReadToEndAsync(); // a dying worker's message must not block it
        return p;
    }

    private void Stop()
    {
        if (_worker is { } w)
        {
            try
            {
                if (!w.HasExited)
                {
                    w.Kill();
                }
            }
            catch (InvalidOperationException)
            {
                // Already gone.
            }

            w.Dispose();
            _worker = null;
        }
    }

    private static string Show(string text) => Scenarios.Loading.Printable.Escape(text.Length > 300 ? text[..300] : text);
}

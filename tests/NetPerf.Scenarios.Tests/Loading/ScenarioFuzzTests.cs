using System.Diagnostics;
using NetPerf.Scenarios.Loading;

namespace NetPerf.Scenarios.Tests.Loading;

/// <summary>
/// Seeded mutations of the shipped and the broken scenarios: each is accepted, or refused with a ScenarioException
/// whose errors are located inside the file and printable. Anything else (another exception, a crash) fails with
/// the seed and the input. In-process is safe: the reader's depth cap leaves no recursion deep enough to
/// overflow the stack, and its caps bound time and memory.
/// </summary>
public class ScenarioFuzzTests
{
    private const int Mutations = 5_000;

    [Fact]
    public void Every_mutated_scenario_is_accepted_or_refused_with_located_printable_errors()
    {
        var seeds = Directory.GetFiles(Path.Combine(AppContext.BaseDirectory, "scenarios"), "*.yaml")
            .Concat(Directory.GetFiles(Path.Combine(AppContext.BaseDirectory, "Broken"), "*.yaml"))
            .Order(StringComparer.Ordinal).Select(File.ReadAllText).ToList();
        var random = new Random(20_240_716);
        int refused = 0;
        var slowest = TimeSpan.Zero;
        for (int i = 0; i < Mutations; i++)
        {
            string text = ScenarioMutator.Mutate(seeds[random.Next(seeds.Count)], random);
            var clock = Stopwatch.StartNew();
            try
            {
                ScenarioReader.Parse(text, "fuzz.yaml");
            }
            catch (ScenarioException e)
            {
                refused++;
                int lines = Math.Max(1, text.Count(c => c == '\n') + (text.EndsWith('\n') ? 0 : 1));
                Assert.NotEmpty(e.Errors);
                foreach (var error in e.Errors)
                {
                    Assert.True(error.Line >= 1 && error.Line <= lines && error.Column >= 1, $"mutation {i}: {error} is outside the file's {lines} lines:\n{Show(text)}");
                    Assert.False(error.ToString().Any(char.IsControl), $"mutation {i}: {Show(error.ToString())} carries a control character");
                    Assert.False(string.IsNullOrWhiteSpace(error.Message), $"mutation {i}: an empty message");
                }
            }
            catch (Exception e)
            {
                Assert.Fail($"mutation {i} threw {e.GetType().Name}: {e.Message}\n{Show(text)}");
            }

            // Bounded time per input, not a speed target: a file of a few KiB parses in milliseconds, so only a
            // blow-up (an alias expanded without its cap, a quadratic suggestion) reaches seconds, on a loaded machine
            // too. The whole run's time is not held: it measures the machine (56 s against 50 once, under load).
            if (clock.Elapsed > slowest)
            {
                slowest = clock.Elapsed;
                Assert.True(slowest < TimeSpan.FromSeconds(5), $"mutation {i} took {slowest.TotalSeconds:F1} s:\n{Show(text)}");
            }
        }

        Assert.InRange(refused, 1, Mutations - 1); // the mutations both break files and leave some whole
    }

    /// <summary>One to four edits: a fragment inserted, a span deleted, a span duplicated, a character replaced.</summary>
    private static string Show(string text) => Printable.Escape(text.Length > 2_000 ? text[..2_000] : text);
}

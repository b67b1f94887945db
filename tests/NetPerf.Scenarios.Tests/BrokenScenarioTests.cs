using System.Text.RegularExpressions;
using NetPerf.Scenarios.Loading;

namespace NetPerf.Scenarios.Tests;

/// <summary>
/// A corpus of broken scenario files (Broken/*.yaml), each saying at its top the errors it must produce
/// ("# expect: line:column: message"): every one is reported, at that place, and nothing else is.
/// </summary>
public partial class BrokenScenarioTests
{
    public static TheoryData<string> Files => [.. Directory.GetFiles(Path.Combine(AppContext.BaseDirectory, "Broken"), "*.yaml").Select(f => Path.GetFileName(f)).Order()];

    /// <summary>The memory limit the files are checked against: fixed, so the verdict does not depend on the machine.</summary>
    public const long Limit = 16L << 30;

    [Theory]
    [MemberData(nameof(Files))]
    public void A_broken_file_gets_exactly_its_errors_with_line_and_column(string file)
    {
        string path = Path.Combine(AppContext.BaseDirectory, "Broken", file);
        var expected = File.ReadLines(path).Select(l => Expect().Match(l)).Where(m => m.Success)
            .Select(m => (Line: int.Parse(m.Groups[1].Value), Column: int.Parse(m.Groups[2].Value), Text: m.Groups[3].Value)).ToList();
        Assert.NotEmpty(expected);

        var e = Assert.Throws<ScenarioException>(() => ScenarioReader.Load(path, maxMemory: Limit));

        Assert.True(expected.Count == e.Errors.Count, string.Join("\n", e.Errors));
        foreach (var (want, got) in expected.Zip(e.Errors))
        {
            Assert.Equal(path, got.File);
            Assert.Equal((want.Line, want.Column), (got.Line, got.Column));
            Assert.StartsWith(want.Text, got.Message, StringComparison.Ordinal);
        }
    }

    [GeneratedRegex(@"^# expect: (\d+):(\d+): (.+)$")]
    private static partial Regex Expect();
}

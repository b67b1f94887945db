namespace NetPerf.Reporting.Tests.Html;

public sealed class ReportInChromiumTests
{
    [ChromiumFact]
    public void The_report_opens_in_headless_Chromium_without_console_errors_and_shows_every_plot()
    {
        using var dir = new TempDirectory();
        IReadOnlyList<string> written = ResultWriter.WriteAll(SyntheticResults.Create(partial: true), dir.Path);
        int svgFiles = written.Count(f => f.EndsWith(".svg", StringComparison.Ordinal));

        (string dom, IReadOnlyList<string> console, string stderr) = HeadlessChromium.Load(dir.File(HtmlReport.FileName));

        Assert.True(console.Count == 0, "Console output while loading the report:\n" + string.Join('\n', console));
        // The DOM after load is the report, parsed: the title, and every plot as an SVG element.
        Assert.True(dom.Contains("<h1>NetPerf: ", StringComparison.Ordinal), "No report in the dumped DOM. Chromium said:\n" + stderr);
        Assert.Equal(svgFiles, CountOf(dom, "<svg "));
    }

    [ChromiumFact]
    public void The_console_check_catches_an_uncaught_exception_and_a_console_error()
    {
        // A control: if Chromium stopped logging the console to stderr, the test above would pass vacuously.
        using var dir = new TempDirectory();
        string page = dir.File("broken.html");
        File.WriteAllText(page, "<!DOCTYPE html><html><body><p>x</p><script>notDefined();</script>"
            + "<script>console.error('boom');</script></body></html>");

        (_, IReadOnlyList<string> console, _) = HeadlessChromium.Load(page);

        Assert.Contains(console, line => line.Contains("Uncaught ReferenceError", StringComparison.Ordinal));
        Assert.Contains(console, line => line.Contains("boom", StringComparison.Ordinal));
    }

    private static int CountOf(string text, string part)
    {
        int count = 0;
        for (int i = text.IndexOf(part, StringComparison.Ordinal); i >= 0; i = text.IndexOf(part, i + 1, StringComparison.Ordinal))
            count++;
        return count;
    }
}

using NetPerf.Reporting.Plots;

namespace NetPerf.Reporting;

/// <summary>
/// Everything a run leaves in results/&lt;scenario&gt;/&lt;run&gt;/: the CSV, the plots and report.html. Each file is
/// written atomically, so a run killed while writing leaves whole files (old or new), never half of one.
/// </summary>
public static class ResultWriter
{
    /// <summary>
    /// Writes summary.csv, cpu.csv, samples.csv (when there are samples), the plots as PNG and SVG (unless
    /// <paramref name="plots"/> is false) and report.html into <paramref name="directory"/>, creating it if
    /// needed; returns the full paths of the files written, in the order written. Latency CDFs are drawn on
    /// <paramref name="cdfAxis"/>.
    /// </summary>
    public static IReadOnlyList<string> WriteAll(ResultSet results, string directory, bool plots = true, CdfAxis cdfAxis = CdfAxis.Percentile)
    {
        ArgumentNullException.ThrowIfNull(results);
        ArgumentException.ThrowIfNullOrWhiteSpace(directory);
        Validate(results);
        string fullDirectory = Path.GetFullPath(directory);
        Directory.CreateDirectory(fullDirectory);

        // Plot axes format their numbers with the current culture (ScottPlot's default tick labels): render
        // under the invariant one so "10,000" is the same on every machine and the files are byte-identical.
        var culture = (System.Globalization.CultureInfo.CurrentCulture, System.Globalization.CultureInfo.CurrentUICulture);
        System.Globalization.CultureInfo.CurrentCulture = System.Globalization.CultureInfo.InvariantCulture;
        System.Globalization.CultureInfo.CurrentUICulture = System.Globalization.CultureInfo.InvariantCulture;
        try
        {
            var written = new List<string>();
            written.AddRange(CsvResults.Write(results, fullDirectory));
            IReadOnlyList<RenderedPlot> rendered = plots ? ResultPlots.Render(results, cdfAxis) : [];
            written.AddRange(ResultPlots.Write(rendered, fullDirectory));
            written.Add(HtmlReport.Write(results, rendered, fullDirectory));
            return written;
        }
        finally
        {
            (System.Globalization.CultureInfo.CurrentCulture, System.Globalization.CultureInfo.CurrentUICulture) = culture;
        }
    }

    /// <summary>Checks what the writers rely on, with messages that say which field of which row is wrong.</summary>
    private static void Validate(ResultSet results)
    {
        if (string.IsNullOrWhiteSpace(results.Scenario))
            throw new ArgumentException("The result set has no scenario name.", nameof(results));
        if (results.Summary is null || results.Cpu is null || results.Cdfs is null || results.Samples is null)
            throw new ArgumentException("The result set's Summary, Cpu, Cdfs and Samples must be lists (empty if nothing was measured).", nameof(results));
        // A variant is one CNI and kube-proxy mode everywhere: plots colour it by its CNI.
        var cniOf = new Dictionary<string, string>(StringComparer.Ordinal);
        void Check(string variant, string cni, string where)
        {
            if (!cniOf.TryAdd(variant, cni) && cniOf[variant] != cni)
            {
                throw new ArgumentException(
                    $"Variant '{variant}' has CNI '{cniOf[variant]}' in one row and '{cni}' in {where}: a variant must name one CNI.",
                    nameof(results));
            }
        }
        foreach (SummaryRow r in results.Summary)
            Check(r.Variant, r.Cni, $"summary row '{r.Path}/{r.Metric}'");
        foreach (LatencyCdf c in results.Cdfs)
        {
            Check(c.Variant, c.Cni, $"the latency CDF of path '{c.Path}'");
            foreach ((double percentile, double _) in c.Points)
            {
                if (percentile is < 0 or > 100)
                {
                    throw new ArgumentException(
                        $"The latency CDF of variant '{c.Variant}' on path '{c.Path}' has percentile {percentile.ToString(System.Globalization.CultureInfo.InvariantCulture)}: percentiles run from 0 to 100.",
                        nameof(results));
                }
            }
        }
        foreach (CpuRow r in results.Cpu)
            Check(r.Variant, r.Cni, $"cpu row '{r.Path}/{r.Node}/{r.Stage}'");
    }
}

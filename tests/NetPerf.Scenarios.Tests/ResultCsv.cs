using NetPerf.Reporting;

namespace NetPerf.Scenarios.Tests;

/// <summary>A run's over-time results as the CSV files hold them, for byte-for-byte comparison of two runs.</summary>
internal static class ResultCsv
{
    /// <summary>timeseries.csv's text.</summary>
    public static string Timeseries(ResultSet r)
    {
        using var w = new StringWriter();
        CsvResults.WriteTimeseries(r.Timeseries, w);
        return w.ToString();
    }

    /// <summary>timeseries.csv's text, then timeline.csv's.</summary>
    public static string TimeseriesAndTimeline(ResultSet r)
    {
        using var w = new StringWriter();
        CsvResults.WriteTimeseries(r.Timeseries, w);
        CsvResults.WriteTimeline(r.Timeline, w);
        return w.ToString();
    }
}

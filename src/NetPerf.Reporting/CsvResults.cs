using System.Globalization;
using CsvHelper;
using CsvHelper.Configuration;
using NetPerf.Reporting.Csv;

namespace NetPerf.Reporting;

/// <summary>
/// The run's tidy CSV: summary.csv (a row per path x variant x workload x metric), cpu.csv (a row per path x
/// variant x workload x node x kernel stage) and samples.csv (a row per request, only when samples were kept).
/// Invariant culture, "\n" line ends, UTF-8 without BOM, doubles in their shortest round-trippable form, empty
/// cells for nulls, and no wall-clock or host fields: the same seed gives byte-identical files.
/// </summary>
public static class CsvResults
{
    public const string SummaryFile = "summary.csv";
    public const string CpuFile = "cpu.csv";
    public const string SamplesFile = "samples.csv";
    public const string BgpFile = "bgp.csv";
    public const string TimeseriesFile = "timeseries.csv";
    public const string TimelineFile = "timeline.csv";

    private static readonly CsvConfiguration Configuration = new(CultureInfo.InvariantCulture)
    {
        NewLine = "\n",
        // CsvHelper's defaults kept on purpose: a missing column fails the read (HeaderValidationException), so a
        // file from another version fails loudly instead of reading as zeros; extra columns are ignored.
    };

    /// <summary>Writes summary.csv, cpu.csv, and samples.csv and bgp.csv when there are such rows; returns the paths written.</summary>
    public static IReadOnlyList<string> Write(ResultSet results, string directory)
    {
        ArgumentNullException.ThrowIfNull(results);
        ArgumentException.ThrowIfNullOrWhiteSpace(directory);
        Directory.CreateDirectory(directory);
        var written = new List<string>(3);

        string summary = Path.Combine(directory, SummaryFile);
        AtomicFile.WriteText(summary, w => WriteSummary(results.Summary, w));
        written.Add(summary);

        string cpu = Path.Combine(directory, CpuFile);
        AtomicFile.WriteText(cpu, w => WriteCpu(results.Cpu, w));
        written.Add(cpu);

        if (results.Samples.Count > 0)
        {
            string samples = Path.Combine(directory, SamplesFile);
            AtomicFile.WriteText(samples, w => WriteSamples(results.Samples, w));
            written.Add(samples);
        }

        if (results.Timeseries.Count > 0)
        {
            string series = Path.Combine(directory, TimeseriesFile);
            AtomicFile.WriteText(series, w => WriteTimeseries(results.Timeseries, w));
            written.Add(series);
        }

        if (results.Timeline.Count > 0)
        {
            string timeline = Path.Combine(directory, TimelineFile);
            AtomicFile.WriteText(timeline, w => WriteTimeline(results.Timeline, w));
            written.Add(timeline);
        }

        if (results.Bgp.Count > 0)
        {
            string bgp = Path.Combine(directory, BgpFile);
            AtomicFile.WriteText(bgp, w => WriteBgp(results.Bgp, w));
            written.Add(bgp);
        }
        return written;
    }

    /// <summary>timeline.csv: <c>variant, path, workload, replication, at_ms, event, object</c>, in time order per simulation.</summary>
    public static void WriteTimeline(IEnumerable<TimelineRow> rows, TextWriter writer)
    {
        var inv = CultureInfo.InvariantCulture;
        writer.Write("variant,path,workload,replication,at_ms,event,object\n");
        foreach (var r in rows)
        {
            writer.Write(string.Join(',', Field(r.Variant), Field(r.Path), Field(r.Workload), r.Replication.ToString(inv),
                r.AtMilliseconds.ToString("R", inv), Field(r.Event), Field(r.Object)));
            writer.Write('\n');
        }
    }

    /// <summary>
    /// timeseries.csv: <c>variant, path, workload, replication, start_ms, interval_ms, transactions, throughput,
    /// goodput_mbps, p50_us, p99_us, lost, refused, reset, timed_out, dns_delayed, dns_failed</c>, then a <c>drops_&lt;reason&gt;</c> column per kernel drop reason (snake case), in the
    /// enum's order. Written by hand rather than by a class map because the drop columns follow the enum.
    /// </summary>
    public static void WriteTimeseries(IEnumerable<TimeseriesRow> rows, TextWriter writer)
    {
        var inv = CultureInfo.InvariantCulture;
        string Num(double x) => double.IsFinite(x) ? x.ToString("R", inv) : "";
        var list = rows.ToList();
        var reasons = list.Count > 0 ? list[0].Drops.Select(d => d.Reason).ToList() : [];
        writer.Write("variant,path,workload,replication,start_ms,interval_ms,transactions,throughput,goodput_mbps,p50_us,p99_us,lost,refused,reset,timed_out,dns_delayed,dns_failed");
        foreach (var r in reasons)
        {
            writer.Write(",drops_" + SnakeCase(r));
        }

        // CPU per host: every host any row has, in the order first met (paths with a load balancer add hosts).
        var hosts = list.SelectMany(r => r.Cpu.Select(c => c.Host)).Distinct().ToList();
        foreach (var h in hosts)
        {
            writer.Write(",cpu_" + SnakeCase(h) + "_us");
        }

        writer.Write('\n');
        foreach (var r in list)
        {
            writer.Write(string.Join(',', Field(r.Variant), Field(r.Path), Field(r.Workload), r.Replication.ToString(inv), Num(r.StartMilliseconds),
                Num(r.IntervalMilliseconds), r.Transactions.ToString(inv), Num(r.ThroughputPerSecond), Num(r.GoodputMbps), Num(r.P50Microseconds),
                Num(r.P99Microseconds), r.Lost.ToString(inv), r.Refused.ToString(inv), r.Reset.ToString(inv), r.TimedOut.ToString(inv),
                r.DnsDelayed.ToString(inv), r.DnsFailed.ToString(inv)));
            foreach (var (_, count) in r.Drops)
            {
                writer.Write(',');
                writer.Write(count.ToString(inv));
            }

            foreach (var h in hosts)
            {
                writer.Write(',');
                int k = IndexOf(r.Cpu, h);
                if (k >= 0)
                {
                    writer.Write((r.Cpu[k].Picoseconds / 1e6).ToString("R", inv));
                }
            }

            writer.Write('\n');
        }
    }

    private static int IndexOf(IReadOnlyList<(string Host, long Picoseconds)> cpu, string host)
    {
        for (int k = 0; k < cpu.Count; k++)
        {
            if (cpu[k].Host == host)
            {
                return k;
            }
        }

        return -1;
    }

    private static string Field(string s) => s.IndexOfAny([',', '"', '\n', '\r']) < 0 ? s : "\"" + s.Replace("\"", "\"\"") + "\"";

    private static string SnakeCase(string pascal) =>
        string.Concat(pascal.Select((c, i) => char.IsUpper(c) ? (i > 0 ? "_" : "") + char.ToLowerInvariant(c) : c.ToString()));

    public static void WriteSummary(IEnumerable<SummaryRow> rows, TextWriter writer) => WriteRows<SummaryRow, SummaryRowMap>(rows, writer);

    public static void WriteCpu(IEnumerable<CpuRow> rows, TextWriter writer) => WriteRows<CpuRow, CpuRowMap>(rows, writer);

    public static void WriteSamples(IEnumerable<SampleRow> rows, TextWriter writer) => WriteRows<SampleRow, SampleRowMap>(rows, writer);

    public static void WriteBgp(IEnumerable<BgpRow> rows, TextWriter writer) => WriteRows<BgpRow, BgpRowMap>(rows, writer);

    public static IReadOnlyList<BgpRow> ReadBgp(TextReader reader) => ReadRows<BgpRow, BgpRowMap>(reader);

    public static IReadOnlyList<BgpRow> ReadBgp(string path) => ReadFile(path, ReadBgp);

    public static IReadOnlyList<SummaryRow> ReadSummary(TextReader reader) => ReadRows<SummaryRow, SummaryRowMap>(reader);

    public static IReadOnlyList<CpuRow> ReadCpu(TextReader reader) => ReadRows<CpuRow, CpuRowMap>(reader);

    public static IReadOnlyList<SampleRow> ReadSamples(TextReader reader) => ReadRows<SampleRow, SampleRowMap>(reader);

    public static IReadOnlyList<SummaryRow> ReadSummary(string path) => ReadFile(path, ReadSummary);

    public static IReadOnlyList<CpuRow> ReadCpu(string path) => ReadFile(path, ReadCpu);

    public static IReadOnlyList<SampleRow> ReadSamples(string path) => ReadFile(path, ReadSamples);

    private static IReadOnlyList<T> ReadFile<T>(string path, Func<TextReader, IReadOnlyList<T>> read)
    {
        using var reader = new StreamReader(path, AtomicFile.Utf8);
        return read(reader);
    }

    private static void WriteRows<TRow, TMap>(IEnumerable<TRow> rows, TextWriter writer) where TMap : ClassMap<TRow>
    {
        ArgumentNullException.ThrowIfNull(rows);
        ArgumentNullException.ThrowIfNull(writer);
        using var csv = new CsvWriter(writer, Configuration, leaveOpen: true);
        Register<TRow, TMap>(csv.Context);
        csv.WriteHeader<TRow>();
        csv.NextRecord();
        foreach (TRow row in rows)
        {
            csv.WriteRecord(row);
            csv.NextRecord();
        }
    }

    private static List<TRow> ReadRows<TRow, TMap>(TextReader reader) where TMap : ClassMap<TRow>
    {
        ArgumentNullException.ThrowIfNull(reader);
        using var csv = new CsvReader(reader, Configuration, leaveOpen: true);
        Register<TRow, TMap>(csv.Context);
        return csv.GetRecords<TRow>().ToList();
    }

    private static void Register<TRow, TMap>(CsvContext context) where TMap : ClassMap<TRow>
    {
        context.TypeConverterCache.AddConverter<double>(new RoundTripDoubleConverter());
        context.TypeConverterCache.AddConverter<bool>(new LowerCaseBooleanConverter());
        context.RegisterClassMap<TMap>();
    }
}

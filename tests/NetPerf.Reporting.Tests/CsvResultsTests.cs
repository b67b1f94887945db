using System.Globalization;

namespace NetPerf.Reporting.Tests;

public sealed class CsvResultsTests
{
    [Fact]
    public void Summary_rows_read_back_equal_to_the_rows_written_nulls_included()
    {
        ResultSet results = SyntheticResults.Create(partial: true);
        using var dir = new TempDirectory();

        CsvResults.Write(results, dir.Path);
        IReadOnlyList<SummaryRow> read = CsvResults.ReadSummary(dir.File(CsvResults.SummaryFile));

        Assert.Equal(results.Summary, read); // records: value equality, every double bit for bit
        Assert.Contains(read, r => r.Ci95 is null);
        Assert.Contains(read, r => r.P50 is null);
        Assert.Contains(read, r => r.Partial);
    }

    [Fact]
    public void Cpu_and_sample_rows_read_back_equal_to_the_rows_written()
    {
        ResultSet results = SyntheticResults.Create(samples: true);
        using var dir = new TempDirectory();

        CsvResults.Write(results, dir.Path);

        Assert.Equal(results.Cpu, CsvResults.ReadCpu(dir.File(CsvResults.CpuFile)));
        Assert.Equal(results.Samples, CsvResults.ReadSamples(dir.File(CsvResults.SamplesFile)));
    }

    [Fact]
    public void Doubles_that_need_all_seventeen_digits_and_the_extremes_round_trip()
    {
        double[] awkward = [1.0 / 3, 0.1 + 0.2, double.Epsilon, double.MaxValue, -0.0, 1e-300, 123456789.123456789];
        SummaryRow template = SyntheticResults.Create().Summary[0];
        var rows = awkward.Select(v => template with { Mean = v, P50 = v }).ToList();
        var text = new StringWriter();

        CsvResults.WriteSummary(rows, text);
        IReadOnlyList<SummaryRow> read = CsvResults.ReadSummary(new StringReader(text.ToString()));

        Assert.Equal(awkward.Select(BitConverter.DoubleToInt64Bits), read.Select(r => BitConverter.DoubleToInt64Bits(r.Mean)));
    }

    [Fact]
    public void The_same_results_written_twice_give_byte_identical_files()
    {
        using var first = new TempDirectory();
        using var second = new TempDirectory();

        CsvResults.Write(SyntheticResults.Create(samples: true), first.Path);
        CsvResults.Write(SyntheticResults.Create(samples: true), second.Path);

        foreach (string file in (string[])[CsvResults.SummaryFile, CsvResults.CpuFile, CsvResults.SamplesFile])
            Assert.Equal(File.ReadAllBytes(first.File(file)), File.ReadAllBytes(second.File(file)));
    }

    [Fact]
    public void A_comma_decimal_culture_does_not_change_the_files()
    {
        // The build runs with invariant globalization, so de-DE cannot be loaded by name: build its number format.
        var german = (CultureInfo)CultureInfo.InvariantCulture.Clone();
        german.NumberFormat.NumberDecimalSeparator = ",";
        german.NumberFormat.NumberGroupSeparator = ".";
        string invariant = WriteSummary(CultureInfo.InvariantCulture);

        string underGerman = WriteSummary(german);

        Assert.Equal(invariant, underGerman);
        Assert.Contains(",32.833333333333336,", underGerman); // 32.5 + 1/3: a point, not a comma
        Assert.Equal("1,5", 1.5.ToString(german)); // the culture really would have written a comma
    }

    [Fact]
    public void Files_have_the_snake_case_header_and_unix_line_ends_and_no_clock_or_host()
    {
        using var dir = new TempDirectory();
        CsvResults.Write(SyntheticResults.Create(samples: true), dir.Path);

        string summary = File.ReadAllText(dir.File(CsvResults.SummaryFile));
        string cpu = File.ReadAllText(dir.File(CsvResults.CpuFile));
        string samples = File.ReadAllText(dir.File(CsvResults.SamplesFile));

        Assert.StartsWith("scenario,variant,path,cni,kube_proxy,workload,test,request_bytes,response_bytes,metric,unit,"
            + "count,mean,ci95,p50,p90,p99,p999,partial\n", summary);
        Assert.StartsWith("scenario,variant,path,cni,kube_proxy,workload,node,stage,ns_per_request,ns_per_byte\n", cpu);
        Assert.StartsWith("variant,path,workload,replication,index,latency_us\n", samples);
        Assert.DoesNotContain('\r', summary + cpu + samples);
        // The scenario's comma and quotes are quoted the RFC 4180 way.
        Assert.Contains("\"cni \"\"shoot-out\"\", 2 nodes\",", summary);
        // A throughput row: no CI for the baseline, no percentiles.
        Assert.Contains(",throughput,1/s,5,121827.41116751268,,,,,,false\n", summary);
    }

    [Fact]
    public void Samples_csv_is_written_only_when_samples_were_kept()
    {
        using var dir = new TempDirectory();

        IReadOnlyList<string> written = CsvResults.Write(SyntheticResults.Create(samples: false), dir.Path);

        Assert.Equal([CsvResults.SummaryFile, CsvResults.CpuFile], written.Select(Path.GetFileName));
        Assert.False(File.Exists(dir.File(CsvResults.SamplesFile)));
    }

    [Fact]
    public void A_file_missing_a_column_fails_to_read_instead_of_reading_zeros()
    {
        var text = new StringWriter();
        CsvResults.WriteSummary(SyntheticResults.Create().Summary, text);
        // A file from a version that called the median "median": its p50 column is missing here.
        string renamed = text.ToString().Replace(",p50,", ",median,", StringComparison.Ordinal);

        Assert.Throws<CsvHelper.HeaderValidationException>(() => CsvResults.ReadSummary(new StringReader(renamed)));
    }

    private static string WriteSummary(CultureInfo culture)
    {
        CultureInfo saved = CultureInfo.CurrentCulture;
        try
        {
            CultureInfo.CurrentCulture = culture;
            var text = new StringWriter(culture);
            CsvResults.WriteSummary(SyntheticResults.Create().Summary, text);
            return text.ToString();
        }
        finally
        {
            CultureInfo.CurrentCulture = saved;
        }
    }
}

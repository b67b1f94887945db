using NetPerf.Reporting;
using NetPerf.Scenarios.Loading;
using NetPerf.Scenarios.Model;
using NetPerf.Scenarios.Running;

namespace NetPerf.Scenarios.Tests;

/// <summary>
/// A shipped scenario run once, --quick, its CSV written and read back with CsvHelper: the facts the tests check
/// are checked on what a user would open.
/// </summary>
public abstract class ShippedRun : IDisposable
{
    protected ShippedRun(string file)
    {
        Scenario = ScenarioReader.Load(Shipped(file));
        Directory = System.IO.Directory.CreateTempSubdirectory("netperf-" + Path.GetFileNameWithoutExtension(file) + "-").FullName;
        CsvResults.Write(ResultSetBuilder.Build(ScenarioRunner.Run(Scenario, new RunOptions { Quick = true })), Directory);
        Summary = CsvResults.ReadSummary(Path.Combine(Directory, CsvResults.SummaryFile));
        Cpu = CsvResults.ReadCpu(Path.Combine(Directory, CsvResults.CpuFile));
    }

    public Scenario Scenario { get; }
    public string Directory { get; }
    public IReadOnlyList<SummaryRow> Summary { get; }
    public IReadOnlyList<CpuRow> Cpu { get; }

    public static string Shipped(string file) => Path.Combine(AppContext.BaseDirectory, "scenarios", file);

    public SummaryRow Row(string variant, string workload, string path, string metric) =>
        Summary.Single(r => r.Variant == variant && r.Workload == workload && r.Path == path && r.Metric == metric);

    /// <summary>Nanoseconds per request by stage, summed over the nodes.</summary>
    public Dictionary<string, double> Stages(string variant, string workload, string path) =>
        Cpu.Where(r => r.Variant == variant && r.Workload == workload && r.Path == path)
            .GroupBy(r => r.Stage).ToDictionary(g => g.Key, g => g.Sum(r => r.NanosecondsPerRequest));

    /// <summary>Nanoseconds per request of one stage, summed over the nodes.</summary>
    public double Stage(string variant, string workload, string path, string stage) =>
        Cpu.Where(r => r.Variant == variant && r.Workload == workload && r.Path == path && r.Stage == stage).Sum(r => r.NanosecondsPerRequest);

    public void Dispose()
    {
        System.IO.Directory.Delete(Directory, recursive: true);
        GC.SuppressFinalize(this);
    }
}

/// <summary>The headline scenario, overlay-vs-calico.yaml.</summary>
public sealed class HeadlineRun() : ShippedRun("overlay-vs-calico.yaml");

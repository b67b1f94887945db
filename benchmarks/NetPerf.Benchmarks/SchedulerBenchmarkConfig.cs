using BenchmarkDotNet.Columns;
using BenchmarkDotNet.Configs;

namespace NetPerf.Benchmarks;

/// <summary>Adds the median and events per second to the default columns and exporters (CSV included).</summary>
public sealed class SchedulerBenchmarkConfig : ManualConfig
{
    public SchedulerBenchmarkConfig()
    {
        AddColumn(StatisticColumn.Median);
        AddColumn(new PerSecondColumn("Events"));
    }
}

using BenchmarkDotNet.Columns;
using BenchmarkDotNet.Configs;

namespace NetPerf.Benchmarks.Network;

/// <summary>Adds the median and packet-hops per second to the default columns and exporters.</summary>
public sealed class ForwardingBenchmarkConfig : ManualConfig
{
    public ForwardingBenchmarkConfig()
    {
        AddColumn(StatisticColumn.Median);
        AddColumn(new PerSecondColumn("Packet-hops"));
    }
}

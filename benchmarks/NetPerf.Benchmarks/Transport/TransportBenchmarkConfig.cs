using BenchmarkDotNet.Columns;
using BenchmarkDotNet.Configs;

namespace NetPerf.Benchmarks.Transport;

/// <summary>Median time per simulated packet, and its inverse: simulated packets per wall-clock second.</summary>
public sealed class TransportBenchmarkConfig : ManualConfig
{
    public TransportBenchmarkConfig()
    {
        AddColumn(StatisticColumn.Median);
        AddColumn(new PerSecondColumn("Packets"));
    }
}

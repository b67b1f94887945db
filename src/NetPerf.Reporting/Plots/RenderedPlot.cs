namespace NetPerf.Reporting.Plots;

/// <summary>One plot drawn twice: PNG bytes and SVG text, written as <c>FileStem.png</c> and <c>FileStem.svg</c>.</summary>
public sealed record RenderedPlot(string FileStem, string Title, string? Path, PlotKind Kind, byte[] Png, string Svg);

public enum PlotKind
{
    LatencyCdf,
    CpuByStage,
    Throughput,
    Timeseries,
}

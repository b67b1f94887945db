using System.Globalization;
using System.Text;
using NetPerf.Workloads;

namespace NetPerf.Samples.Netperf;

/// <summary>A workload report as netperf-like text: invariant culture, no wall-clock figures, so equal seeds print equal text.</summary>
public static class NetperfReportText
{
    public static string Format(TwoHostParameters p, WorkloadReport r)
    {
        var c = CultureInfo.InvariantCulture;
        var s = new StringBuilder();
        s.AppendLine(c, $"{r.Name} between two hosts: {p.LinkGigabits} Gbit/s, {p.Propagation} one way, MTU {p.Mtu}, offloads {(p.Offloads ? "on" : "off")}, {p.Clients} client(s), seed {p.Seed}");
        s.AppendLine(c, $"  measured                {r.Measured} after {p.WarmUp} of warm-up");
        if (r.Transactions > 0)
        {
            s.AppendLine(c, $"  transactions            {r.Transactions:N0} ({r.TransactionsPerSecond:N0}/s)");
            s.AppendLine(c, $"  latency p50/p90/p99/p99.9  {r.P50} / {r.P90} / {r.P99} / {r.P999}");
            if (r.MeanMicroseconds is { } mean)
            {
                s.AppendLine(c, $"  mean latency            {mean.Mean:F3} us +/- {mean.HalfWidth:F3} (95 % CI, batch means)");
            }
        }

        if (r.ConnectionsPerSecond > 0)
        {
            s.AppendLine(c, $"  connections             {r.ConnectionsPerSecond:N0}/s");
        }

        s.AppendLine(c, $"  goodput                 {r.GoodputBitsPerSecond / 1e9:F4} Gbit/s");
        if (r.Lost > 0)
        {
            s.AppendLine(c, $"  requests lost           {r.Lost:N0}");
        }

        if (r.Tcp is { } tcp)
        {
            s.AppendLine(c, $"  TCP                     {tcp.SegmentsSent:N0} segments in {tcp.PacketsSent:N0} packets (client), {tcp.RetransmittedSegments:N0} retransmitted, {tcp.Timeouts:N0} timeouts");
        }

        double bytes = r.GoodputBitsPerSecond / 8 * r.Measured.TotalSeconds;
        string per = r.Transactions > 0
            ? string.Create(c, $"{r.CpuNanosecondsPerTransaction:N0} ns per transaction")
            : string.Create(c, $"{r.CpuNanosecondsPerByte((long)bytes):F3} ns per byte");
        s.AppendLine(c, $"  kernel CPU              {per}, by host and stage:");
        foreach (var h in r.Cpu)
        {
            var top = h.PicosecondsByStage.OrderByDescending(kv => kv.Value).ThenBy(kv => kv.Key).Take(6)
                .Select(kv => string.Create(c, $"{kv.Key} {100.0 * kv.Value / Math.Max(1, h.KernelPicoseconds):F0}%"));
            s.AppendLine(c, $"    {h.Host,-8} {h.KernelPicoseconds / 1e12 / r.Measured.TotalSeconds * 100:F1}% of a core: {string.Join(", ", top)}");
            foreach (var (reason, count) in h.Drops.OrderBy(kv => kv.Key))
            {
                s.AppendLine(c, $"             dropped {count:N0} ({reason})");
            }
        }

        return s.ToString();
    }
}

using NetPerf.Calibration.Linux;
using NetPerf.Engine.Time;
using NetPerf.Network.Netfilter;

namespace NetPerf.Calibration;

/// <summary>How calibrate measures: rounds, transactions per probe run, the CPU the probes share, the iptables backend.</summary>
public sealed record CalibrationOptions
{
    /// <summary>Interleaved rounds over every path; figures are medians over the accepted rounds.</summary>
    public int Rounds { get; init; } = 5;

    /// <summary>Measured transactions per probe run (a new connection per transaction takes a fifth as many).</summary>
    public int Transactions { get; init; } = 10_000;

    public int WarmupTransactions { get; init; } = 2_000;
    public int MessageBytes { get; init; } = 64;

    /// <summary>The CPU every probe and so every kernel stage runs on (kind's nodes share the host's cores; here, one).</summary>
    public int Cpu { get; init; } = Math.Max(0, Environment.ProcessorCount - 1);

    public IptablesBackend Backend { get; init; } = IptablesBackend.Nft;

    /// <summary>The models' TCP paces itself (the scenario's cluster.tcpPacing: the machine's congestion control is BBR without fq).</summary>
    public bool TcpInternalPacing { get; init; }

    /// <summary>
    /// Also fit a premium for a hop's first run on a packet's journey (cold_ns), from the chain testbeds. Experimental,
    /// off by default: on 6.18.44-fc-v1252 it narrowed the held-out errors of one run (widest -6.6% against -7.9%) with six more
    /// parameters on 22 fit paths, its premiums moved between runs, and a kernel-expert review found it weakly
    /// identified and kept per packet where cache warmth is the core's (docs/calibration.md).
    /// </summary>
    public bool FitFirstRun { get; init; }

    /// <summary>A round whose loopback median differs from the rounds' median by more than this is rejected (the machine was busy).</summary>
    public double DriftLimit { get; init; } = 0.15;

    /// <summary>Simulated time per held-out prediction.</summary>
    public SimTime ModelDuration { get; init; } = SimTime.FromMilliseconds(100);
}

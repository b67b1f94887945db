using NetPerf.Network.Cpu;

namespace NetPerf.Scenarios.Tracing;

/// <summary>One kernel stage a traced packet crossed: when (from the transaction's start), where, and what it cost.</summary>
public sealed record TraceHop(int Step, double AtMicroseconds, int Packet, string Host, string Namespace, string? Device, KernelStage Stage, int Core, double CostNanoseconds)
{
    /// <summary>The netfilter hook (PREROUTING ...) a NetfilterHook stage ran, as iptables -j TRACE names it.</summary>
    public string? Hook { get; init; }

    /// <summary>The addresses on the packet as this stage saw them (the outer header inside a tunnel).</summary>
    public string Flow { get; init; } = "";

    public string Where => Device is null ? $"{Host}/{Namespace}" : $"{Host}/{Namespace}/{Device}";
}

using NetPerf.Network.Cpu;

namespace NetPerf.Scenarios.Tracing;

/// <summary>One kernel stage a traced packet crossed: when (from the transaction's start), where, and what it cost.</summary>
public sealed record TraceHop(int Step, double AtMicroseconds, int Packet, string Host, string Namespace, string? Device, KernelStage Stage, int Core, double CostNanoseconds)
{
    public string Where => Device is null ? $"{Host}/{Namespace}" : $"{Host}/{Namespace}/{Device}";
}

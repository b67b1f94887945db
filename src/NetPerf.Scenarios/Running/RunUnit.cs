using NetPerf.Scenarios.Model;

namespace NetPerf.Scenarios.Running;

/// <summary>One simulation of a run: a variant's cluster, one workload over one path, one replication.</summary>
public sealed record RunUnit(int Index, Variant Variant, WorkloadSpec Workload, CommunicationPath Path, int Replication)
{
    public string Label => $"{Variant.Name} {Workload.Name} {Path.Name()}{(Replication > 0 ? $" #{Replication + 1}" : "")}";
}

namespace NetPerf.Network.Cpu;

/// <summary>
/// Whose code a <see cref="KernelStage"/> is: the kernel's (system calls, softirqs, the scheduler) or a process's
/// own in user space (Weave's weaver encapsulating in Go). Reports label CPU by it, so a variant whose cost is in
/// a user-space program is not called kernel CPU.
/// </summary>
public enum StageKind
{
    Kernel,
    UserSpace,
}

/// <summary>The kind of each stage.</summary>
public static class StageKinds
{
    /// <summary>
    /// <see cref="StageKind.UserSpace"/> for the weaver's Go work per frame (weaveworks/weave router/sleeve.go,
    /// router/pcap.go); every other stage is kernel work, the system calls a process makes included.
    /// </summary>
    public static StageKind KindOf(this KernelStage stage) => stage switch
    {
        KernelStage.SleeveEncapsulate or KernelStage.SleeveDecapsulate => StageKind.UserSpace,
        _ => StageKind.Kernel,
    };
}

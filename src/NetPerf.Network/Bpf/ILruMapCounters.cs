namespace NetPerf.Network.Bpf;

/// <summary>What an LRU map's holder reports of it (the counts a <c>bpftool map show</c> and the agent's metrics give): so a host can sum its maps' evictions without knowing what they hold.</summary>
public interface ILruMapCounters
{
    /// <summary>The map's name as the agent pins it (cilium_ct4_global, say).</summary>
    string Name { get; }

    int Capacity { get; }

    int Count { get; }

    long Evictions { get; }

    /// <summary>Entries the holder's garbage collector deleted (expired ones), not counting evictions.</summary>
    long Deletions { get; }
}

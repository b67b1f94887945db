namespace NetPerf.Kubernetes.Cni.Cilium;

/// <summary>
/// Maglev consistent hashing (Eisenbud et al., NSDI 2016, section 3.4; Cilium's pkg/maglev): each backend gets a
/// permutation of the M table slots from two hashes of its identity (offset and skip), and the backends take turns
/// claiming their next free slot until the table is full. The table depends only on the backends and M, so every
/// node builds the same one and a flow's hash picks the same backend wherever it enters; removing a backend moves
/// only the flows that were on it (and few others).
/// </summary>
public static class CiliumMaglev
{
    /// <summary>Cilium's default maglev.tableSize (M), a prime as the algorithm needs.</summary>
    public const int DefaultTableSize = 16381;

    /// <summary>The table sizes Cilium accepts (pkg/maglev: primes, each about twice the one before), for maglev.tableSize.</summary>
    public static readonly int[] TableSizes = [251, 509, 1021, 2039, 4093, 8191, 16381, 32749, 65521, 131071];

    /// <summary>The lookup table: slot to backend index.</summary>
    internal static int[] Populate(IReadOnlyList<CiliumBackend> backends, int m)
    {
        var table = new int[m];
        if (backends.Count == 0)
        {
            return table;
        }

        Array.Fill(table, -1);
        int n = backends.Count;

        // The turns go in the backends' own order (address, port), not the order the agent learnt them in, so
        // every node's table is the same (Cilium's agent sorts them by name for the same reason).
        var order = Enumerable.Range(0, n).OrderBy(i => backends[i].Address.Value).ThenBy(i => backends[i].Port).ToArray();
        var offset = new long[n];
        var skip = new long[n];
        var next = new long[n];
        for (int i = 0; i < n; i++)
        {
            // Cilium hashes the backend's address and port with murmur3 and the cluster's maglev.hashSeed; any
            // fixed hash of the backend's identity gives the algorithm's properties (not Cilium's exact slots).
            var backend = backends[order[i]];
            ulong id = ((ulong)backend.Address.Value << 16) | backend.Port;
            offset[i] = (long)(Mix(id, 0x9E3779B97F4A7C15) % (ulong)m);
            skip[i] = (long)(Mix(id, 0xC2B2AE3D27D4EB4F) % (ulong)(m - 1)) + 1;
        }

        int filled = 0;
        while (true)
        {
            for (int i = 0; i < n; i++)
            {
                long c = (offset[i] + (next[i] * skip[i])) % m;
                while (table[c] >= 0)
                {
                    next[i]++;
                    c = (offset[i] + (next[i] * skip[i])) % m;
                }

                table[c] = order[i];
                next[i]++;
                if (++filled == m)
                {
                    return table;
                }
            }
        }
    }

    /// <summary>SplitMix64's finaliser over the id and a seed: a fixed, well-mixed 64-bit hash.</summary>
    private static ulong Mix(ulong x, ulong seed)
    {
        x += seed;
        x = (x ^ (x >> 30)) * 0xBF58476D1CE4E5B9;
        x = (x ^ (x >> 27)) * 0x94D049BB133111EB;
        return x ^ (x >> 31);
    }
}

namespace NetPerf.Kubernetes.Cni.Cilium;

/// <summary>
/// The sizes of Cilium's conntrack and NAT maps on a node (max_entries of cilium_ct4_global, cilium_ct_any4_global
/// and cilium_snat_v4_external), as the agent's pkg/maps/mapsize works them out: bpf-ct-global-tcp-max,
/// bpf-ct-global-any-max and bpf-nat-global-max when given, else derived from the node's memory by
/// bpf-map-dynamic-size-ratio (Helm's default 0.0025, so this is the usual case), else (ratio 0) the fixed defaults.
/// </summary>
public sealed record CiliumMapSizes
{
    /// <summary>ctMapEntriesGlobalTCPDefault (pkg/maps/mapsize: 2 &lt;&lt; 18, 512Ki).</summary>
    public const int DefaultCtTcp = 2 << 18;

    /// <summary>ctMapEntriesGlobalAnyDefault (2 &lt;&lt; 17, 256Ki).</summary>
    public const int DefaultCtAny = 2 << 17;

    /// <summary>natMapEntriesGlobalDefault: two thirds of the two conntrack maps together, 524,288.</summary>
    public const int DefaultNat = (DefaultCtTcp + DefaultCtAny) * 2 / 3;

    /// <summary>LimitTableMin and LimitTableMax: the agent refuses a conntrack or NAT map smaller than 1Ki or larger than 16Mi entries (checkMapSizeLimits).</summary>
    public const int MinEntries = 1 << 10, MaxEntries = 1 << 24;

    /// <summary>The Helm chart's bpf.mapDynamicSizeRatio and the agent's default (mapsize.ConfigCell): a quarter of a percent of the node's memory.</summary>
    public const double DefaultDynamicSizeRatio = 0.0025;

    /// <summary>
    /// The bytes the dynamic sizing shares out (totalMapMemoryDefault): the default entries of the CT TCP, CT any,
    /// NAT, neighbour and socket reverse-NAT maps, each at its IPv6 element size (key and value, as the agent
    /// sizes them: CT 38 + 56, NAT 38 + 56, neighbour 16 + 6, sock rev-NAT 32 + 20 bytes) = 262,144 x 566. Checked
    /// against a published table of the ratio 0.0025 (Huawei CCE, "Optimizing the conntrack Configuration in
    /// DataPlane V2 Mode": 30 GiB gives 284,560 TCP entries; so does this).
    /// </summary>
    private const long TotalDefaultMapBytes = (long)DefaultCtTcp * 94 + (long)DefaultCtAny * 94 + (long)DefaultNat * 94 + (long)DefaultNat * 22 + (long)DefaultCtAny * 52;

    /// <summary>limitTableAutoGlobalTCPMin, limitTableAutoGlobalAnyMin, limitTableAutoNatGlobalMin: the floors of the dynamic sizes.</summary>
    private const int AutoTcpMin = 1 << 17, AutoAnyMin = 1 << 16, AutoNatMin = 1 << 17;

    public int CtTcp { get; init; } = DefaultCtTcp;

    public int CtAny { get; init; } = DefaultCtAny;

    public int Nat { get; init; } = DefaultNat;

    /// <summary>The fixed defaults (the agent with bpf-map-dynamic-size-ratio 0).</summary>
    public static CiliumMapSizes Default { get; } = new();

    /// <summary>
    /// getDynamicSizeCalculator: each map's default entries times the memory the ratio gives over the bytes the
    /// defaults would take, held to the map's floor and to 16Mi; the NAT map no larger than the two conntrack maps
    /// (held to two thirds of them when it would be). Sizes given explicitly replace the derived ones.
    /// </summary>
    public static CiliumMapSizes Dynamic(long memoryBytes, double ratio, int? ctTcp = null, int? ctAny = null, int? nat = null)
    {
        long available = (long)(memoryBytes * ratio);
        int Size(int entriesDefault, int min) => (int)Math.Clamp(entriesDefault * available / TotalDefaultMapBytes, min, MaxEntries);
        int tcp = ctTcp ?? Size(DefaultCtTcp, AutoTcpMin);
        int any = ctAny ?? Size(DefaultCtAny, AutoAnyMin);
        int natSize = nat ?? Size(DefaultNat, AutoNatMin);
        if (nat is null && natSize > tcp + any)
        {
            natSize = (tcp + any) * 2 / 3;
        }

        return new CiliumMapSizes { CtTcp = tcp, CtAny = any, Nat = natSize };
    }
}

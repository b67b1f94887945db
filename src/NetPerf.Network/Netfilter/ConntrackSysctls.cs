namespace NetPerf.Network.Netfilter;

/// <summary>
/// A host's conntrack sysctls. nf_conntrack_max is global (written in init_net, read by every namespace) while
/// each namespace counts its own entries against it (nf_conntrack_net.count, nf_conntrack_core.c), so every
/// namespace's table on a host may hold up to <see cref="Max"/> entries. Read on every use, so kube-proxy setting
/// them after a namespace loaded netfilter takes effect, as a sysctl write does.
/// </summary>
public sealed class ConntrackSysctls
{
    private int _max = Conntrack.DefaultMax;

    /// <summary>net.netfilter.nf_conntrack_max.</summary>
    public int Max
    {
        get => _max;
        set
        {
            ArgumentOutOfRangeException.ThrowIfLessThan(value, 1);
            _max = value;
        }
    }

    /// <summary>
    /// nf_conntrack_buckets (the hashsize module parameter): kube-proxy raises it to max / 4 when it sets the
    /// maximum (pkg/proxy/conntrack sysctls: "hashsize = max/4"), which is also the kernel's own ratio
    /// (nf_conntrack_max = 4 x nf_conntrack_htable_size by default); this model keeps it at that ratio.
    /// </summary>
    public int Buckets => Math.Max(1, _max / 4);

    public ConntrackTimeouts Timeouts { get; set; } = ConntrackTimeouts.Kernel;

    /// <summary>How this host's kernel settles an insertion race (its version's; default: v5.6 and later).</summary>
    public ConntrackClashResolution ClashResolution { get; set; } = ConntrackClashResolution.InsertClashing;

    /// <summary>How this host's kernel searches for a free SNAT port (its version's; default: the modelled 6.18).</summary>
    public NatPortSearch NatPortSearch { get; set; } = NatPortSearch.RandomOffsetReusingTimeWait;
}

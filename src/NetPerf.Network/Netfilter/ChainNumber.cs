namespace NetPerf.Network.Netfilter;

/// <summary>How a numbered chain's number is written after its prefix.</summary>
public enum ChainNumberFormat
{
    /// <summary>Four upper-case hexadecimal digits (KUBE-SEP-...0001).</summary>
    Hex4,

    /// <summary>Decimal (nftables' endpoint-...-12).</summary>
    Decimal,
}

/// <summary>A chain's name kept as a prefix and a number until it is read.</summary>
internal readonly record struct ChainNumber(string Prefix, int Number, ChainNumberFormat Format);

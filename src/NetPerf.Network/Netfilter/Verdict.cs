namespace NetPerf.Network.Netfilter;

/// <summary>What a hook decided for a packet.</summary>
public enum Verdict
{
    Accept,
    Drop,
}

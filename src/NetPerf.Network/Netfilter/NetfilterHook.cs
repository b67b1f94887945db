namespace NetPerf.Network.Netfilter;

/// <summary>The five IPv4 netfilter hooks (include/uapi/linux/netfilter.h NF_INET_*).</summary>
public enum NetfilterHook
{
    PreRouting,
    Input,
    Forward,
    Output,
    PostRouting,
}

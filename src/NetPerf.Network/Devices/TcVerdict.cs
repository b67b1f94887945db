namespace NetPerf.Network.Devices;

/// <summary>What a tc program returned (include/uapi/linux/pkt_cls.h).</summary>
public enum TcVerdict
{
    /// <summary>TC_ACT_OK: the packet continues where it was (to the rx_handler or IP; to the driver).</summary>
    Ok,

    /// <summary>TC_ACT_SHOT: dropped by the program (a policy denial).</summary>
    Shot,

    /// <summary>TC_ACT_REDIRECT: the program handed the packet to another device; the walk is the redirect's.</summary>
    Redirected,
}

using NetPerf.Engine.Time;
using NetPerf.Network.Addressing;

namespace NetPerf.Kubernetes.Bgp;

/// <summary>
/// A BGP message as it crosses the TCP connection: its type, its size on the wire (RFC 4271 section 4), and
/// what the receiver acts on. TCP carries sizes, not bytes, so the content travels beside the stream and is
/// read when the receiver has read the message's last byte.
/// </summary>
public readonly record struct BgpMessage
{
    /// <summary>Marker 16 + length 2 + type 1.</summary>
    public const int HeaderBytes = 19;

    /// <summary>
    /// OPEN: header, version 1, my AS 2, hold time 2, BGP identifier 4, optional parameters length 1 = 29, then
    /// one capabilities parameter (2) with multiprotocol IPv4 unicast (6), route refresh (2) and 4-octet AS (6).
    /// </summary>
    public const int OpenBytes = 29 + 2 + 6 + 2 + 6;

    /// <summary>KEEPALIVE: the header alone.</summary>
    public const int KeepaliveBytes = HeaderBytes;

    /// <summary>NOTIFICATION: header, error code 1, subcode 1, no data (hold timer expired, cease).</summary>
    public const int NotificationBytes = HeaderBytes + 2;

    /// <summary>UPDATE: header, withdrawn routes length 2, total path attribute length 2; then the routes.</summary>
    public const int UpdateFixedBytes = HeaderBytes + 4;

    /// <summary>
    /// The attributes of every announcement inside one AS: ORIGIN (3 + 1), AS_PATH (3, empty in iBGP),
    /// NEXT_HOP (3 + 4), LOCAL_PREF (3 + 4).
    /// </summary>
    public const int IbgpAttributeBytes = 4 + 3 + 7 + 7;

    /// <summary>ORIGINATOR_ID: flags, type, length and the 4-byte router id.</summary>
    public const int OriginatorIdBytes = 7;

    /// <summary>NOTIFICATION error code 4: Hold Timer Expired.</summary>
    public const byte HoldTimerExpired = 4;

    /// <summary>NOTIFICATION error code 6: Cease.</summary>
    public const byte Cease = 6;

    public BgpMessageType Type { get; init; }

    /// <summary>Bytes on the TCP stream.</summary>
    public int Bytes { get; init; }

    /// <summary>OPEN: the sender's BGP identifier (Calico uses the node's IPv4 address).</summary>
    public uint RouterId { get; init; }

    /// <summary>OPEN: the hold time the sender offers.</summary>
    public SimTime Hold { get; init; }

    /// <summary>UPDATE: the prefix announced (with <see cref="Path"/>) or withdrawn.</summary>
    public Ipv4Prefix Prefix { get; init; }

    /// <summary>UPDATE: the announced path's attributes; null for a withdrawal.</summary>
    public BgpPath? Path { get; init; }

    /// <summary>NOTIFICATION: the error code.</summary>
    public byte ErrorCode { get; init; }

    public bool IsWithdrawal => Type == BgpMessageType.Update && Path is null;

    /// <summary>A prefix in NLRI or withdrawn routes: a length octet and as many octets as the length needs.</summary>
    public static int PrefixBytes(Ipv4Prefix prefix) => 1 + ((prefix.Length + 7) / 8);

    public static BgpMessage Open(uint routerId, SimTime hold) => new() { Type = BgpMessageType.Open, Bytes = OpenBytes, RouterId = routerId, Hold = hold };

    public static BgpMessage Keepalive() => new() { Type = BgpMessageType.Keepalive, Bytes = KeepaliveBytes };

    public static BgpMessage Notification(byte code) => new() { Type = BgpMessageType.Notification, Bytes = NotificationBytes, ErrorCode = code };

    /// <summary>
    /// An UPDATE announcing one prefix: the iBGP attributes, ORIGINATOR_ID and CLUSTER_LIST (3 + 4 per cluster)
    /// when reflected, and the NLRI (a /26 is 5 bytes): 49 bytes from its originator, 63 once reflected.
    /// </summary>
    public static BgpMessage Announce(BgpPath path)
    {
        int attributes = IbgpAttributeBytes
            + (path.OriginatorId != 0 ? OriginatorIdBytes : 0)
            + (path.ClusterList.Count > 0 ? 3 + (4 * path.ClusterList.Count) : 0);
        return new() { Type = BgpMessageType.Update, Bytes = UpdateFixedBytes + attributes + PrefixBytes(path.Prefix), Prefix = path.Prefix, Path = path };
    }

    /// <summary>An UPDATE withdrawing one prefix (withdrawn routes only, no attributes): 28 bytes for a /26.</summary>
    public static BgpMessage Withdraw(Ipv4Prefix prefix) =>
        new() { Type = BgpMessageType.Update, Bytes = UpdateFixedBytes + PrefixBytes(prefix), Prefix = prefix };
}

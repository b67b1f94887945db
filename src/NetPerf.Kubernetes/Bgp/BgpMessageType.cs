namespace NetPerf.Kubernetes.Bgp;

/// <summary>The type octet of a BGP message header (RFC 4271 section 4.1).</summary>
public enum BgpMessageType
{
    Open = 1,
    Update = 2,
    Notification = 3,
    Keepalive = 4,
}

namespace NetPerf.Kubernetes.Bgp;

/// <summary>RFC 4271 section 8's session states, as <c>birdc show protocols</c> prints them.</summary>
public enum BgpSessionState
{
    /// <summary>Not trying: before the connect delay, after an error until the error wait is over, or stopped.</summary>
    Idle,

    /// <summary>The active side's TCP connection to port 179 is being opened (SYN sent).</summary>
    Connect,

    /// <summary>The passive side waits for the peer to connect to its port 179.</summary>
    Active,

    /// <summary>TCP is up and this side's OPEN has gone; the peer's OPEN is awaited.</summary>
    OpenSent,

    /// <summary>The peer's OPEN was accepted and answered with a KEEPALIVE; the peer's KEEPALIVE is awaited.</summary>
    OpenConfirm,

    /// <summary>Routes are exchanged in UPDATE messages; KEEPALIVEs hold the session up.</summary>
    Established,
}

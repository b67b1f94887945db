namespace NetPerf.Network.Links;

/// <summary>What a transmit queue's length counts.</summary>
public enum QueueUnit
{
    /// <summary>
    /// Packets as the host's stack hands them over, a GSO super-packet counting once: a Linux qdisc and
    /// txqueuelen (1000 by default) count skbs, so a host rarely drops its own TCP bursts.
    /// </summary>
    Packets,

    /// <summary>Wire frames, a GSO packet counting each segment: a switch port's buffer, or a NIC ring's descriptors.</summary>
    Frames,
}

namespace NetPerf.Network.Links;

/// <summary>Whatever sits at the far end of a link (a NIC, a switch port) and takes arriving frames.</summary>
public interface IFrameReceiver
{
    /// <param name="packet">Index in the packet pool; the receiver now owns it.</param>
    void OnFrame(int packet);

    /// <summary>
    /// A switch's or router's port, which forwards each frame once it is in (store-and-forward per frame) rather
    /// than a whole GSO burst: the link hands it a burst when the burst's first frame has arrived. A host's NIC
    /// takes the burst when its last frame is in, as GRO completes then.
    /// </summary>
    bool ForwardsPerFrame => false;
}

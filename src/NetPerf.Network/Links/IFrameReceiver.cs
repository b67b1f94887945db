namespace NetPerf.Network.Links;

/// <summary>Whatever sits at the far end of a link (a NIC, a switch port) and takes arriving frames.</summary>
public interface IFrameReceiver
{
    /// <param name="packet">Index in the packet pool; the receiver now owns it.</param>
    void OnFrame(int packet);
}

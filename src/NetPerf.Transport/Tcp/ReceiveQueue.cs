using NetPerf.Network.Packets;

namespace NetPerf.Transport.Tcp;

/// <summary>
/// The receiver's view of the byte stream: the next byte expected (rcv_nxt) and the ranges held above a hole
/// (the out-of-order queue), kept sorted and merged. Losses at a drop-tail queue leave few holes, so a short
/// list is the right structure.
/// </summary>
internal sealed class ReceiveQueue(long initialSequence)
{
    private readonly List<(long Start, long End)> _outOfOrder = [];

    public long Next { get; private set; } = initialSequence;

    /// <summary>Bytes held above the first hole.</summary>
    public long OutOfOrderBytes { get; private set; }

    public bool HasHoles => _outOfOrder.Count > 0;

    /// <summary>
    /// The SACK blocks to send: the range holding the latest arrival first (RFC 2018), then the lowest others,
    /// which name the holes the sender most needs to fill.
    /// </summary>
    public SackBlocks Blocks(long latestStart)
    {
        var blocks = default(SackBlocks);
        int latest = -1;
        for (int i = 0; i < _outOfOrder.Count; i++)
        {
            if (_outOfOrder[i].Start <= latestStart && latestStart < _outOfOrder[i].End)
            {
                latest = i;
                break;
            }
        }

        if (latest >= 0)
        {
            blocks.Add(_outOfOrder[latest].Start, _outOfOrder[latest].End);
        }

        for (int i = 0; i < _outOfOrder.Count && blocks.Count < SackBlocks.Max; i++)
        {
            if (i != latest)
            {
                blocks.Add(_outOfOrder[i].Start, _outOfOrder[i].End);
            }
        }

        return blocks;
    }

    /// <summary>Takes in [start, end); returns the bytes that became in-order (0 for a duplicate or a segment above a hole).</summary>
    public long Add(long start, long end)
    {
        if (end <= Next)
        {
            return 0; // all seen before
        }

        start = Math.Max(start, Next);
        if (start > Next)
        {
            Insert(start, end);
            return 0;
        }

        long before = Next;
        Next = end;
        while (_outOfOrder.Count > 0 && _outOfOrder[0].Start <= Next)
        {
            var (s, e) = _outOfOrder[0];
            _outOfOrder.RemoveAt(0);
            OutOfOrderBytes -= e - s;
            Next = Math.Max(Next, e);
        }

        return Next - before;
    }

    private void Insert(long start, long end)
    {
        int i = 0;
        while (i < _outOfOrder.Count && _outOfOrder[i].End < start)
        {
            i++;
        }

        // Merge with every range it touches.
        while (i < _outOfOrder.Count && _outOfOrder[i].Start <= end)
        {
            var (s, e) = _outOfOrder[i];
            _outOfOrder.RemoveAt(i);
            OutOfOrderBytes -= e - s;
            start = Math.Min(start, s);
            end = Math.Max(end, e);
        }

        _outOfOrder.Insert(i, (start, end));
        OutOfOrderBytes += end - start;
    }
}

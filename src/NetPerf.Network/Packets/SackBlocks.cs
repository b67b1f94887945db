namespace NetPerf.Network.Packets;

/// <summary>
/// The SACK option of one segment (RFC 2018): up to three [start, end) ranges received above a hole, the one
/// holding the latest arrival first. Three, because that is what fits beside the timestamps option in the
/// 40 bytes of TCP options.
/// </summary>
public struct SackBlocks
{
    public const int Max = 3;

    public int Count;
    public long Start0, End0, Start1, End1, Start2, End2;

    /// <summary>Option bytes on the wire: two NOPs, kind and length, 8 per block.</summary>
    public readonly int OptionBytes => Count == 0 ? 0 : 4 + (8 * Count);

    public readonly (long Start, long End) this[int i] => i switch
    {
        0 => (Start0, End0),
        1 => (Start1, End1),
        2 => (Start2, End2),
        _ => throw new ArgumentOutOfRangeException(nameof(i)),
    };

    public void Add(long start, long end)
    {
        switch (Count)
        {
            case 0: (Start0, End0) = (start, end); break;
            case 1: (Start1, End1) = (start, end); break;
            case 2: (Start2, End2) = (start, end); break;
            default: throw new InvalidOperationException("a segment carries at most three SACK blocks.");
        }

        Count++;
    }
}

namespace NetPerf.Transport.Tcp;

/// <summary>
/// The sender's record of what the receiver has SACKed above snd_una (tcp_sacktag_write_queue in outline):
/// sorted, merged ranges. The gaps between them, below the highest SACKed byte, are the holes loss recovery
/// resends (RFC 6675).
/// </summary>
internal sealed class SackScoreboard
{
    private readonly List<(long Start, long End)> _ranges = [];

    public long SackedBytes { get; private set; }

    /// <summary>The byte after the highest SACKed one, or 0.</summary>
    public long Highest => _ranges.Count == 0 ? 0 : _ranges[^1].End;

    public void Add(long start, long end)
    {
        if (end <= start)
        {
            return;
        }

        int i = 0;
        while (i < _ranges.Count && _ranges[i].End < start)
        {
            i++;
        }

        while (i < _ranges.Count && _ranges[i].Start <= end)
        {
            var (s, e) = _ranges[i];
            _ranges.RemoveAt(i);
            SackedBytes -= e - s;
            start = Math.Min(start, s);
            end = Math.Max(end, e);
        }

        _ranges.Insert(i, (start, end));
        SackedBytes += end - start;
    }

    /// <summary>Forgets everything below the new snd_una.</summary>
    public void AcknowledgedUpTo(long una)
    {
        while (_ranges.Count > 0 && _ranges[0].Start < una)
        {
            var (s, e) = _ranges[0];
            _ranges.RemoveAt(0);
            SackedBytes -= e - s;
            if (e > una)
            {
                _ranges.Insert(0, (una, e));
                SackedBytes += e - una;
                break;
            }
        }
    }

    /// <summary>SACKed bytes within [from, to): what of the sent-and-unacknowledged data has arrived.</summary>
    public long SackedBetween(long from, long to)
    {
        long bytes = 0;
        foreach (var (s, e) in _ranges)
        {
            long lo = Math.Max(s, from), hi = Math.Min(e, to);
            if (hi > lo)
            {
                bytes += hi - lo;
            }
        }

        return bytes;
    }

    /// <summary>
    /// From <paramref name="from"/>, the first byte not SACKed, and where the next SACKed range begins after it
    /// (long.MaxValue if none): resending after a timeout skips what the receiver already holds.
    /// </summary>
    public (long Next, long NextSacked) SkipSacked(long from)
    {
        foreach (var (s, e) in _ranges)
        {
            if (from < s)
            {
                return (from, s);
            }

            if (from < e)
            {
                from = e;
            }
        }

        return (from, long.MaxValue);
    }

    public void Clear()
    {
        _ranges.Clear();
        SackedBytes = 0;
    }

    /// <summary>The first hole at or above <paramref name="from"/> and below the highest SACKed byte: [start, end), or null.</summary>
    public (long Start, long End)? HoleFrom(long from)
    {
        foreach (var (s, e) in _ranges)
        {
            if (from < s)
            {
                return (from, s);
            }

            from = Math.Max(from, e);
        }

        return null;
    }

    /// <summary>Bytes in holes at or above <paramref name="from"/>: presumed lost and not yet resent.</summary>
    public long HoleBytesFrom(long from)
    {
        long bytes = 0;
        foreach (var (s, e) in _ranges)
        {
            if (from < s)
            {
                bytes += s - from;
            }

            from = Math.Max(from, e);
        }

        return bytes;
    }
}

using NetPerf.Engine.Time;
using NetPerf.Network.Cpu;
using NetPerf.Network.Packets;
using NetPerf.Network.Stack;

namespace NetPerf.Transport.Tcp;

/// <summary>The sending side: segments, GSO sizing, retransmission and the retransmission timer.</summary>
public sealed partial class TcpSocket
{
    private readonly int _advertisedMss;
    private int _mss = 536; // RFC 9293's default until the peer's SYN says otherwise
    private long _sndUna;
    private long _sndNxt;
    private long _sndMax;

    /// <summary>tcp_wstamp_ns: the earliest time the next data packet may leave under internal pacing, in picoseconds.</summary>
    private long _departurePs;
    private bool _resumePending;
    private long _writtenEnd = 1;
    private long _peerWindow = 65535;
    private bool _writeBlocked;
    private bool _finQueued;
    private long _finSequence;
    private bool _finSent;
    private int _backoff;
    private int _duplicateSegments;
    private bool _inRecovery;
    private bool _inLoss;        // after an RTO, until snd_una passes _lossPoint (TCP_CA_Loss)
    private long _lossPoint;
    private long _recoverPoint;
    private readonly SackScoreboard _scoreboard = new();
    private long _retransmitHigh; // in recovery, every hole below this has been resent
    private long _latestArrival;  // start of the latest segment received, for the first SACK block
    private long _lastAdvertisedWindow;
    private long _unchargedWrite; // bytes a write() copied whose syscall cost rides on the next packet it sends

    /// <summary>The connection was given up on: its handshake timed out.</summary>
    public bool TimedOut { get; private set; }

    /// <summary>Why the connection ended abnormally (refused, reset, timed out), or <see cref="TcpError.None"/>.</summary>
    public TcpError Error { get; private set; }

    /// <summary>Sequence number after the last byte the application's write()s have finished copying.</summary>
    internal long DataEnd { get; set; } = 1;

    private void SetMss(int mss)
    {
        _mss = mss;
        Statistics.SegmentPayload = mss;
    }

    private void SendSyn(int core)
    {
        _sndNxt = 1;
        _sndMax = 1;
        Emit(core, sequence: 0, length: 0, TcpFlags.Syn);
        ArmRetransmitTimer();
    }

    private void SendSynAck(int core)
    {
        _sndNxt = 1;
        _sndMax = 1;
        Emit(core, sequence: 0, length: 0, TcpFlags.Syn | TcpFlags.Ack);
        ArmRetransmitTimer();
    }

    /// <summary>tcp_write_xmit: resend a known hole first, then new data as far as both windows allow, then the FIN.</summary>
    private void TrySend(int core)
    {
        if (State is not (TcpState.Established or TcpState.CloseWait or TcpState.FinWait1 or TcpState.LastAck))
        {
            return;
        }

        long gsoGoal = GsoGoal(); // one route lookup per call: neither the window nor the RTT moves while sending
        while (_inRecovery && NextHole() is { } hole && InFlight() < (long)_cc.Window * _mss)
        {
            long length = Math.Min(hole.End - hole.Start, gsoGoal);
            Emit(core, hole.Start, length, TcpFlags.Ack);
            _retransmitHigh = hole.Start + length;
        }

        while (_sndNxt < DataEnd)
        {
            long limit = long.MaxValue;
            if (_sndNxt < _sndMax)
            {
                // Resending after a timeout: skip what the receiver has SACKed (tcp_timeout_mark_lost keeps it).
                (_sndNxt, limit) = _scoreboard.SkipSacked(_sndNxt);
                if (_sndNxt >= DataEnd)
                {
                    break;
                }
            }

            long congestionRoom = ((long)_cc.Window * _mss) - InFlight();
            long receiverRoom = _sndUna + _peerWindow - _sndNxt;
            long room = Math.Min(congestionRoom, receiverRoom);
            long unsent = DataEnd - _sndNxt;
            long length = Math.Min(Math.Min(Math.Min(unsent, room), gsoGoal), limit - _sndNxt);
            if (length < unsent)
            {
                // Only whole segments while more data waits (sender-side silly window avoidance).
                length -= length % _mss;
            }

            if (length <= 0)
            {
                break;
            }

            if (Options.InternalPacing && Paced())
            {
                break;
            }

            Emit(core, _sndNxt, length, _sndNxt + length == DataEnd ? TcpFlags.Ack | TcpFlags.Psh : TcpFlags.Ack);
            _sndNxt += length;
            if (Options.InternalPacing)
            {
                // tcp_write_xmit's next iteration runs after this packet's transmit, and on one core the softirqs
                // it raised (the receiver's input, on loopback or a veth); only then does it check the pacing time.
                AdvanceDepartureTime(length);
                if (!_resumePending)
                {
                    _resumePending = true;
                    Namespace.Host.Cores[core].WhenIdle(this, PacingResumeKind);
                }

                break;
            }
        }

        if (_finQueued && !_finSent && _sndNxt == _finSequence && DataEnd == _finSequence)
        {
            _finSent = true;
            Emit(core, _finSequence, 0, TcpFlags.Fin | TcpFlags.Ack);
            _sndNxt = _finSequence + 1;
            State = State == TcpState.CloseWait ? TcpState.LastAck : TcpState.FinWait1;
        }

        _sndMax = Math.Max(_sndMax, _sndNxt);
        if (_sndUna < _sndMax && !_retransmitTimer.IsArmed)
        {
            ArmRetransmitTimer();
        }
    }

    /// <summary>
    /// Bytes in the network (RFC 6675's pipe): sent and not acknowledged, less what the receiver has SACKed and,
    /// in recovery, less the holes presumed lost and not yet resent.
    /// </summary>
    private long InFlight()
    {
        long flight = _sndNxt - _sndUna - _scoreboard.SackedBetween(_sndUna, _sndNxt);
        if (_inRecovery)
        {
            flight -= _scoreboard.HoleBytesFrom(Math.Max(_sndUna, _retransmitHigh));
        }

        return Math.Max(0, flight);
    }

    /// <summary>
    /// The next hole to resend in recovery: a gap below the highest SACKed byte not yet resent; without SACK
    /// information, the segment at snd_una, once (NewReno).
    /// </summary>
    private (long Start, long End)? NextHole()
    {
        long from = Math.Max(_sndUna, _retransmitHigh);
        if (_peerSacks)
        {
            return _scoreboard.HoleFrom(from);
        }

        long end = Math.Min(_sndUna + _mss, Math.Min(_sndMax, DataEnd));
        return from < end ? (from, end) : null;
    }

    /// <summary>
    /// tcp_tso_autosize: a super-packet carries about 1 ms of the flow's pacing rate (2x cwnd/srtt in slow start,
    /// 1.2x after), at least tcp_min_tso_segs and at most what GSO allows (the route's device's gso_ipv4_max_size
    /// less the header room), in whole segments. Without GSO on the route's device, one segment.
    /// </summary>
    private long GsoGoal()
    {
        var route = Namespace.RouteTo(RemoteAddress);
        if (!Options.Gso || route is null || !route.Value.Device.GenericSegmentation)
        {
            return _mss;
        }

        long maxSegments = Math.Max(1, Math.Min(Options.GsoMaxBytes, route.Value.Device.GsoIpv4MaxSize - TcpOptions.GsoHeaderRoom) / _mss);
        long segments = maxSegments;
        if (_rtt.HasSample && _rtt.Smoothed > SimTime.Zero)
        {
            double ratio = _cc.InSlowStart ? 2.0 : 1.2;
            double bytesPerSecond = ratio * _cc.Window * _mss / _rtt.Smoothed.TotalSeconds;
            // On loopback (MTU 65536) one segment is already all GSO allows, so the floor yields to the ceiling.
            segments = Math.Clamp((long)(bytesPerSecond / 1024 / _mss), Math.Min(Options.MinTsoSegments, maxSegments), maxSegments);
        }

        return segments * _mss;
    }

    /// <summary>
    /// tcp_pacing_check: the socket's next departure time (tcp_wstamp_ns) is still ahead, so this packet waits for
    /// the pacing timer, armed for that time unless it already is.
    /// </summary>
    private bool Paced()
    {
        long now = Namespace.Host.Sim.Now.Picoseconds;
        if (_departurePs <= now)
        {
            return false;
        }

        if (!_pacingTimer.IsArmed)
        {
            _pacingTimer.Arm(new SimTime(_departurePs));
        }

        return true;
    }

    /// <summary>
    /// tcp_update_skb_after_send: the next departure is this packet's length later at the pacing rate
    /// (tcp_update_pacing_rate: 2x cwnd/srtt in slow start, 1.2x after; BBR sets its own, its bandwidth estimate
    /// times its gain, which on the kind profile's machine came out within 1% of this on a veth stream: ss showed
    /// 64.5 Gbit/s against 1.2 x 1530 x 1448 B / 325 us = 65.4). Before an RTT sample the rate is unlimited.
    /// </summary>
    private void AdvanceDepartureTime(long length)
    {
        if (!_rtt.HasSample || _rtt.Smoothed <= SimTime.Zero)
        {
            return;
        }

        double ratio = _cc.InSlowStart ? 2.0 : 1.2;
        double bytesPerPs = ratio * _cc.Window * _mss / (double)_rtt.Smoothed.Picoseconds;
        long now = Namespace.Host.Sim.Now.Picoseconds;
        long interval = (long)(length / bytesPerPs);
        // "take into account OS jitter": a sender late on its departure time gets up to half the interval back.
        long credit = Math.Max(0, now - _departurePs);
        _departurePs = Math.Max(_departurePs, now) + interval - Math.Min(interval / 2, credit);
    }

    private void SendAck(int core, int duplicateSegments)
    {
        Statistics.PureAcksSent++;
        Emit(core, _sndNxt, 0, TcpFlags.Ack, duplicateSegments);
    }

    /// <summary>Builds one packet (a super-packet if longer than a segment) and hands it to IP output on <paramref name="core"/>.</summary>
    private void Emit(int core, long sequence, long length, TcpFlags flags, int duplicateSegments = 0)
    {
        var host = Namespace.Host;
        int id = host.Pool.Rent();
        ref var p = ref host.Pool[id];
        bool syn = (flags & TcpFlags.Syn) != 0;
        p.Flow = new FiveTuple(LocalAddress, RemoteAddress, IpProtocol.Tcp, LocalPort, RemotePort);
        p.TransportHeaderBytes = syn ? SynHeaderBytes : HeaderBytes;
        p.PayloadBytes = (int)length;
        p.Ttl = Ipv4.DefaultTtl;
        p.DontFragment = true; // path MTU discovery: Linux TCP always sets DF
        p.SentAtPs = host.Sim.Now.Picoseconds;
        p.FlowId = FlowId;
        p.Core = core;
        p.ApplicationData = syn ? ApplicationData : 0;
        if (length > _mss)
        {
            p.GsoSize = _mss;
            p.GsoSegments = (int)((length + _mss - 1) / _mss);
        }

        long window = ReceiveWindow();
        var sack = (flags & TcpFlags.Ack) != 0 ? _rx.Blocks(_latestArrival) : default;
        p.TransportHeaderBytes += sack.OptionBytes;
        p.Tcp = new TcpHeader
        {
            Sequence = sequence,
            Acknowledgement = (flags & TcpFlags.Ack) != 0 ? _rx.Next : 0,
            Flags = flags,
            Window = window,
            TimestampValue = host.Sim.Now.Picoseconds + 1, // +1: an echo of 0 would read as "no timestamp"
            TimestampEcho = _tsRecent,
            MaximumSegmentSize = syn ? _advertisedMss : 0,
            Sack = sack,
            DuplicateSegments = duplicateSegments,
        };

        int segments = p.Segments;
        Statistics.PacketsSent++;
        Statistics.SegmentsSent += segments;
        if (length > 0 && sequence < _sndMax)
        {
            Statistics.RetransmittedSegments += segments;
        }

        if ((flags & TcpFlags.Ack) != 0)
        {
            // Every segment carries the ACK: nothing is left for the delayed-ACK timer.
            _lastAckSent = _rx.Next;
            _lastAdvertisedWindow = window;
            _delayedAckTimer.Disarm();
        }

        var walk = new PacketWalk(host, id);
        if (_unchargedWrite > 0 && core == Core)
        {
            walk.ChargeBytes(KernelStage.Syscall, Namespace, (int)Math.Min(_unchargedWrite, int.MaxValue));
            _unchargedWrite = 0;
        }

        if (_connectTranslationUncharged)
        {
            walk.Charge(KernelStage.BpfSocketLb, Namespace);
            _connectTranslationUncharged = false;
        }

        walk.Charge(KernelStage.TcpOutput, Namespace);
        Ipv4.Output(Namespace, ref walk);
    }

    /// <summary>The window to advertise: the receive buffer less what waits to be read and what is held above a hole.</summary>
    private long ReceiveWindow() => Math.Max(0, Options.ReceiveWindowBytes - _unread - _rx.OutOfOrderBytes);

    private void ArmRetransmitTimer()
    {
        long rto = _rtt.RetransmissionTimeout.Picoseconds;
        for (int i = 0; i < _backoff && rto < Options.MaxRetransmissionTimeout.Picoseconds; i++)
        {
            rto *= 2;
        }

        _retransmitTimer.ArmAfter(new SimTime(Math.Min(rto, Options.MaxRetransmissionTimeout.Picoseconds)));
    }

    /// <summary>
    /// tcp_v4_err for ICMP "fragmentation needed" (the namespace has learned the path MTU): tcp_v4_mtu_reduced
    /// syncs the MSS to it and, if it shrank, tcp_simple_retransmit marks what was sent in segments that no longer
    /// fit as lost and resends it now, entering Loss without touching the congestion window ("we do not increase
    /// amount of _data_ in network, but units changed"). Here everything outstanding and not SACKed is resent,
    /// go-back-N from snd_una, as after a timeout.
    /// </summary>
    private void OnFragmentationNeeded()
    {
        int mss = EffectiveMss();
        if (mss >= _mss || State is TcpState.Closed or TcpState.TimeWait)
        {
            return;
        }

        SetMss(mss);
        Statistics.MtuReductions++;
        if (State is TcpState.SynSent or TcpState.SynReceived || _sndUna >= _sndMax)
        {
            return;
        }

        _inRecovery = false;
        _inLoss = true;
        _lossPoint = _sndMax;
        _duplicateSegments = 0;
        _retransmitHigh = 0;
        _sndNxt = _sndUna;
        if (_finSent && _sndUna <= _finSequence)
        {
            _finSent = false;
            State = State == TcpState.LastAck ? TcpState.CloseWait : TcpState.Established;
        }

        TrySend(Core);
    }

    /// <summary>tcp_retransmit_timer: back off, collapse the window, and resend from the first unacknowledged byte.</summary>
    private void OnRetransmitTimer()
    {
        if (State == TcpState.Closed)
        {
            return;
        }

        if (State == TcpState.TimeWait)
        {
            Release(); // TIME-WAIT is over
            return;
        }

        _backoff++;
        Statistics.Timeouts++;
        if (State is TcpState.SynSent or TcpState.SynReceived)
        {
            if (_backoff > Options.SynRetries)
            {
                TimedOut = true; // ETIMEDOUT: the handshake never completed
                Error = TcpError.TimedOut;
                Terminate();
                return;
            }

            Statistics.RetransmittedSegments++;
            if (State == TcpState.SynSent)
            {
                SendSyn(Core);
            }
            else
            {
                SendSynAck(Core);
            }

            return;
        }

        if (_sndUna >= _sndMax)
        {
            return;
        }

        if (_backoff > Options.Retries2)
        {
            TimedOut = true; // tcp_retries2: the peer is gone
            Error = TcpError.TimedOut;
            Terminate();
            return;
        }

        SetMss(Math.Min(_mss, EffectiveMss())); // tcp_retransmit_skb cuts to tcp_current_mss, which follows the path MTU

        // tcp_enter_loss: ssthresh falls only when the loss is news (not in recovery, not on a backed-off RTO).
        _cc.OnTimeout(Namespace.Host.Sim.Now.Picoseconds, reduceThreshold: !_inRecovery && !_inLoss);
        _inRecovery = false;
        _inLoss = true;
        _lossPoint = _sndMax;
        _duplicateSegments = 0;
        _retransmitHigh = 0; // everything not SACKed is presumed lost and resent from snd_una
        _sndNxt = _sndUna; // go back N: everything outstanding is presumed lost
        if (_finSent && _sndUna <= _finSequence)
        {
            _finSent = false;
            State = State == TcpState.LastAck ? TcpState.CloseWait : TcpState.Established;
        }

        TrySend(Core);
        ArmRetransmitTimer();
    }
}

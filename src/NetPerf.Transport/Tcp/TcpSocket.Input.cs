using NetPerf.Engine.Time;
using NetPerf.Network.Cpu;
using NetPerf.Network.Packets;
using NetPerf.Network.Stack;

namespace NetPerf.Transport.Tcp;

/// <summary>The receiving side: demultiplexed segments, ACK processing, the byte stream, and the reading process.</summary>
public sealed partial class TcpSocket
{
    private ReceiveQueue _rx;
    private long _lastAckSent;
    private long _tsRecent;
    private long _unread;
    private bool _reading;
    private bool _peerFinSeen;
    private long _peerFinSequence;
    private bool _peerFinConsumed;
    private bool _peerClosedReported;

    void ILocalEndpoint.Deliver(ref PacketWalk walk)
    {
        ref var p = ref walk.P;
        if (p.Flow.Source != RemoteAddress || p.Flow.SourcePort != RemotePort)
        {
            // Not from the peer: a reply whose source was never un-NATed finds no socket (the kernel resets it).
            Statistics.ForeignSegments++;
            walk.Drop(DropReason.NoSocket, null);
            return;
        }

        Receive(ref walk);
    }

    /// <summary>tcp_v4_err on the error's core: the socket acts when that job completes.</summary>
    void IIcmpErrorReceiver.DeliverIcmpError(ref PacketWalk walk)
    {
        ref var p = ref walk.P;
        if (p.IcmpQuotedFlow.Destination != RemoteAddress || p.IcmpQuotedFlow.DestinationPort != RemotePort)
        {
            walk.Consume(); // __inet_lookup_established finds no socket for the quoted 4-tuple: icmp_rcv ignores it
            return;
        }

        walk.Charge(KernelStage.TcpInput, Namespace);
        walk.Defer(this, p.IcmpError == IcmpError.PortUnreachable ? PortUnreachableKind : FragmentationNeededKind);
    }

    /// <summary>
    /// tcp_v4_err for ICMP port unreachable: icmp_err_convert makes it ECONNREFUSED, a hard error. In SYN-SENT (and
    /// SYN-RECV, not met here) the error is reported and the socket done (tcp_done): connect() fails as it would
    /// on a RST. In any other state it is only a soft error (sk_err_soft, inet->recverr off) and the connection goes on.
    /// </summary>
    private void OnPortUnreachable()
    {
        if (State != TcpState.SynSent)
        {
            return;
        }

        Error = TcpError.Refused;
        Statistics.PortUnreachablesReceived++;
        Terminate();
    }

    /// <summary>tcp_v4_rcv on the packet's core; the protocol work completes when that job does.</summary>
    internal void Receive(ref PacketWalk walk)
    {
        walk.Charge(KernelStage.TcpInput, Namespace);
        if (walk.P.PayloadBytes > 0 && !_reading)
        {
            // sk_data_ready wakes a sleeping reader; one already woken (or reading) costs nothing more.
            walk.Charge(KernelStage.SocketDeliver, Namespace);
        }

        walk.Defer(this, SegmentKind);
    }

    private void OnSegment(int packet)
    {
        var host = Namespace.Host;
        ref var p = ref host.Pool[packet];
        TcpHeader h = p.Tcp;
        long length = p.PayloadBytes;
        int segments = p.Segments;
        int core = p.Core;
        host.Pool.Return(packet);
        if ((h.Flags & TcpFlags.Rst) != 0)
        {
            OnReset(h);
            return;
        }

        switch (State)
        {
            case TcpState.Closed:
                return;
            case TcpState.TimeWait:
                if ((h.Flags & TcpFlags.Fin) != 0)
                {
                    SendAck(core, 0); // the peer missed our last ACK and resent its FIN
                }

                return;
            case TcpState.SynSent:
                if ((h.Flags & (TcpFlags.Syn | TcpFlags.Ack)) == (TcpFlags.Syn | TcpFlags.Ack) && h.Acknowledgement == 1)
                {
                    Establish(h);
                    long sent = Statistics.PacketsSent;
                    TrySend(core); // data written (or a close) during the handshake leaves now, carrying the ACK
                    if (Statistics.PacketsSent == sent)
                    {
                        SendAck(core, 0); // the handshake's third segment
                    }

                    host.Sim.ScheduleAfter(WakeUpLatency, this, ConnectedKind);
                }

                return;
            case TcpState.SynReceived:
                if ((h.Flags & TcpFlags.Syn) != 0)
                {
                    if (_sndMax == 0)
                    {
                        _peerMss = h.MaximumSegmentSize;
                        _rx = new ReceiveQueue(h.Sequence + 1);
                        _tsRecent = h.TimestampValue;
                    }

                    SendSynAck(core); // first SYN, or the client's retransmission after our SYN-ACK was lost
                    return;
                }

                if ((h.Flags & TcpFlags.Ack) == 0 || h.Acknowledgement != 1)
                {
                    return;
                }

                Establish(h);
                _listener?.OnEstablished();
                host.Sim.ScheduleAfter(WakeUpLatency, this, ConnectedKind);
                break;
        }

        if ((h.Flags & TcpFlags.Syn) != 0)
        {
            SendAck(core, 0); // a duplicate SYN-ACK: our handshake ACK was lost; answer it again
            return;
        }

        if ((h.Flags & TcpFlags.Ack) != 0)
        {
            OnAck(h, length);
        }

        if (length > 0 || (h.Flags & TcpFlags.Fin) != 0)
        {
            OnData(h, length, segments, core);
        }

        // What the ACK lets out is sent from the process's core, not the softirq's: one core emits the flow's
        // segments, so a segment queued behind other work on one core cannot be overtaken by a later one sent
        // from another (the kernel keeps a flow's packets in order: the socket lock defers softirq input to the
        // owner's backlog while it sends, and XPS keeps the flow on one transmit queue).
        TrySend(Core);
    }

    private int _peerMss;
    private bool _peerSacks;

    /// <summary>
    /// A RST (tcp_reset, tcp_rcv_state_process): in SYN-SENT, if it acknowledges the SYN, connect() fails with
    /// ECONNREFUSED; past the handshake the connection is torn down with ECONNRESET; in TIME-WAIT it ends the
    /// wait early (tcp_timewait_state_process, net.ipv4.tcp_rfc1337 = 0). Sequence checks of RFC 5961 (challenge
    /// ACKs) are not modelled: the only resets here are the kernel's answers to this connection's own segments.
    /// </summary>
    private void OnReset(in TcpHeader h)
    {
        switch (State)
        {
            case TcpState.Closed:
                return;
            case TcpState.TimeWait:
                Release();
                return;
            case TcpState.SynSent:
                if ((h.Flags & TcpFlags.Ack) == 0 || h.Acknowledgement != 1)
                {
                    return; // not an answer to our SYN
                }

                Error = TcpError.Refused;
                break;
            default:
                Error = TcpError.Reset;
                break;
        }

        Statistics.ResetsReceived++;
        Terminate();
    }

    private void Establish(in TcpHeader h)
    {
        if (State == TcpState.SynSent)
        {
            _peerMss = h.MaximumSegmentSize;
            _rx = new ReceiveQueue(h.Sequence + 1);
            _tsRecent = h.TimestampValue;
        }

        State = TcpState.Established;
        _sndUna = 1;
        _backoff = 0;
        _retransmitTimer.Disarm();
        SampleRtt(h);
        _peerWindow = h.Window;
        SetMss(EffectiveMss());
    }

    /// <summary>Payload per segment: the smaller of the peer's MSS and our route's, less the timestamps option.</summary>
    private int EffectiveMss()
    {
        int routeMss = (Namespace.RouteTo(RemoteAddress)?.Mtu ?? 1500) - HeaderSizes.Ipv4 - HeaderSizes.Tcp;
        int mss = _peerMss > 0 ? Math.Min(_peerMss, routeMss) : routeMss;
        return Math.Max(64, mss - HeaderSizes.TcpTimestampsOption);
    }

    private void SampleRtt(in TcpHeader h)
    {
        if (h.TimestampEcho > 0)
        {
            _rtt.Sample(new SimTime(Namespace.Host.Sim.Now.Picoseconds - (h.TimestampEcho - 1)));
        }
    }

    /// <summary>tcp_ack: advance snd_una, grow or cut the window, detect loss by duplicate ACKs.</summary>
    private void OnAck(in TcpHeader h, long length)
    {
        long now = Namespace.Host.Sim.Now.Picoseconds;
        if (h.Acknowledgement > _sndMax)
        {
            return; // acknowledges what was never sent
        }

        SetMss(EffectiveMss()); // a learned path MTU shrinks the segments (tcp_sync_mss)
        _peerWindow = h.Window;
        _peerSacks |= h.Sack.Count > 0;
        for (int i = 0; i < h.Sack.Count; i++)
        {
            var (start, end) = h.Sack[i];
            if (end > _sndUna && end <= _sndMax)
            {
                _scoreboard.Add(Math.Max(start, _sndUna), end);
            }
        }

        if (h.Acknowledgement > _sndUna)
        {
            long acked = h.Acknowledgement - _sndUna;
            long flightBefore = _sndNxt - _sndUna;
            _scoreboard.AcknowledgedUpTo(h.Acknowledgement);
            _sndUna = h.Acknowledgement;
            if (_inLoss && _sndUna >= _lossPoint)
            {
                _inLoss = false; // everything outstanding at the timeout is acknowledged
            }

            if (_sndNxt < _sndUna)
            {
                _sndNxt = _sndUna;
            }

            Statistics.BytesAcked += acked;
            SampleRtt(h);
            _backoff = 0;
            _duplicateSegments = 0;
            int ackedSegments = (int)((acked + _mss - 1) / _mss);
            if (_inRecovery)
            {
                if (_sndUna >= _recoverPoint)
                {
                    _inRecovery = false;
                    _cc.OnRecoveryEnd();
                }
                else if (!_peerSacks)
                {
                    // A partial ACK from a peer without SACK (RFC 6582): the segment at snd_una is lost too.
                    // With SACK, data above the highest SACKed byte may still be in flight: the scoreboard decides.
                    _retransmitHigh = _sndUna;
                }
            }
            else if (WindowLimited(flightBefore))
            {
                _cc.OnAck(ackedSegments, now, _rtt.Minimum.Picoseconds);
            }

            OnFinAcknowledged();
            if (_sndUna >= _sndMax)
            {
                _retransmitTimer.Disarm();
            }
            else
            {
                ArmRetransmitTimer(); // RFC 6298 5.3: restart on new data acknowledged
            }

            // sk_stream_write_space: a blocked writer is woken once a third of the buffer is free.
            if (_writeBlocked && Options.SendBufferBytes - (_writtenEnd - _sndUna) >= Options.SendBufferBytes / 3)
            {
                _writeBlocked = false;
                Application.OnSendSpace(this);
            }

            return;
        }

        bool duplicate = h.Acknowledgement == _sndUna && length == 0 && (h.Flags & TcpFlags.Fin) == 0 && _sndMax > _sndUna;

        if (!duplicate)
        {
            return;
        }

        _duplicateSegments += Math.Max(1, h.DuplicateSegments);
        if (!_inRecovery && !_inLoss && _duplicateSegments >= Options.DuplicateAckThreshold)
        {
            // Fast retransmit: enter recovery, cut ssthresh, and resend the hole the SACK block shows.
            Statistics.FastRetransmits++;
            _inRecovery = true;
            _recoverPoint = _sndMax;
            _cc.OnLoss(now);
            _cc.SetRecoveryWindow(_cc.SlowStartThreshold);

            // Holes resent in an earlier episode are still in flight (TCPCB_SACKED_RETRANS): not again, unless
            // that retransmission is itself lost, which the RTO finds.
            _retransmitHigh = Math.Max(_retransmitHigh, _sndUna);
            ArmRetransmitTimer();
        }
    }

    /// <summary>
    /// tcp_is_cwnd_limited: the window grows only while it is what limits the flow (in slow start, while at least
    /// half of it is used), not while the receiver's window or the application holds the flow back.
    /// </summary>
    private bool WindowLimited(long flightBefore)
    {
        long window = (long)_cc.Window * _mss;
        return _cc.InSlowStart ? 2 * flightBefore >= window : flightBefore + (3L * _mss) >= window;
    }

    private void OnFinAcknowledged()
    {
        if (!_finSent || _sndUna <= _finSequence)
        {
            return;
        }

        switch (State)
        {
            case TcpState.FinWait1:
                State = _peerFinConsumed ? TcpState.TimeWait : TcpState.FinWait2;
                break;
            case TcpState.LastAck:
                State = TcpState.Closed;
                break;
        }

        if (State is TcpState.Closed or TcpState.TimeWait)
        {
            Terminate();
        }
    }

    /// <summary>tcp_data_queue: take the bytes in, decide between an immediate and a delayed ACK, wake the reader.</summary>
    private void OnData(in TcpHeader h, long length, int segments, int core)
    {
        bool hadHoles = _rx.HasHoles;
        _latestArrival = h.Sequence;
        bool inOrder = h.Sequence <= _rx.Next;
        long heldBefore = _rx.Next + _rx.OutOfOrderBytes;
        long fresh = _rx.Add(h.Sequence, h.Sequence + length);
        long kept = _rx.Next + _rx.OutOfOrderBytes - heldBefore; // new bytes, in order or above a hole
        Statistics.DuplicateBytesReceived += length - kept;
        if (h.Sequence <= _lastAckSent)
        {
            _tsRecent = h.TimestampValue; // RFC 7323 4.3: the echo belongs to the segment our next ACK answers first
        }

        if ((h.Flags & TcpFlags.Fin) != 0)
        {
            _peerFinSeen = true;
            _peerFinSequence = h.Sequence + length;
        }

        bool finNow = false;
        if (_peerFinSeen && !_peerFinConsumed && _rx.Next == _peerFinSequence)
        {
            _rx.Add(_peerFinSequence, _peerFinSequence + 1); // the FIN takes one sequence number
            _peerFinConsumed = true;
            finNow = true;
        }

        if (fresh > 0)
        {
            Statistics.BytesReceived += fresh;
            _unread += fresh;
            ScheduleRead();
        }

        if (finNow)
        {
            if (State == TcpState.Established)
            {
                State = TcpState.CloseWait;
            }
            else if (State == TcpState.FinWait2)
            {
                State = TcpState.TimeWait;
            }

            ScheduleRead();
        }

        if (!inOrder)
        {
            SendAck(core, segments); // out of order: an immediate duplicate ACK per segment, with the SACK block
        }
        else if (hadHoles || finNow || (h.Flags & TcpFlags.Fin) != 0)
        {
            SendAck(core, 0); // a hole filled, or a FIN: ACK now
        }
        else if (_rx.Next - _lastAckSent > _mss && ReceiveWindow() >= _lastAdvertisedWindow)
        {
            // __tcp_ack_snd_check: more than one full segment unacknowledged, and the window would not shrink.
            // While the reader has not caught up it would, and the ACK waits for the read (tcp_cleanup_rbuf).
            SendAck(core, 0);
        }
        else if (fresh == 0 && length > 0)
        {
            SendAck(core, 0); // a duplicate segment: the peer missed our ACK
        }
        else if (!_delayedAckTimer.IsArmed)
        {
            _delayedAckTimer.ArmAfter(Options.DelayedAckTimeout);
        }

        if (State is TcpState.Closed or TcpState.TimeWait)
        {
            Terminate();
        }
    }

    private void ScheduleRead()
    {
        if (_reading)
        {
            return;
        }

        _reading = true;
        Namespace.Host.Sim.ScheduleAfter(WakeUpLatency, this, AwakeKind);
    }

    /// <summary>The process is awake: recv() copies what is queued, on the process's core.</summary>
    private void Read()
    {
        long bytes = _unread;
        if (bytes == 0)
        {
            OnReadDone(0);
            return;
        }

        Namespace.Host.RunKernelWork(Core, KernelStage.Syscall, (int)Math.Min(bytes, int.MaxValue), FlowId, this, ReadDoneKind, bytes);
    }

    private void OnReadDone(long bytes)
    {
        long windowBefore = ReceiveWindow();
        _unread -= bytes;
        _reading = false;
        if (bytes > 0)
        {
            Application.OnReceived(this, bytes);
        }

        // tcp_cleanup_rbuf: after a read, ACK what is owed (more than one full segment), or announce a window
        // that at least doubled.
        long window = ReceiveWindow();
        bool owed = _rx.Next - _lastAckSent > _mss;
        bool grown = window >= 2 * Math.Max(_lastAdvertisedWindow, 1) && _lastAdvertisedWindow < Options.ReceiveWindowBytes / 2 && windowBefore < window;
        if (State != TcpState.Closed && bytes > 0 && (owed || grown))
        {
            SendAck(Core, 0);
        }

        if (_unread > 0)
        {
            _reading = true;
            Read(); // more arrived while copying: the process is still awake
            return;
        }

        if (_peerFinConsumed && !_peerClosedReported)
        {
            _peerClosedReported = true;
            Application.OnPeerClosed(this);
        }
    }

    /// <summary>
    /// Both directions closed: stop the timers and tell the application. A connection in TIME-WAIT keeps its
    /// port until the TIME-WAIT timer (or a reusing connect()) releases it; any other releases it now.
    /// </summary>
    private void Terminate()
    {
        if (_terminated)
        {
            return;
        }

        _terminated = true;
        _retransmitTimer.Disarm();
        _delayedAckTimer.Disarm();
        if (State == TcpState.TimeWait)
        {
            _timeWaitSincePs = Namespace.Host.Sim.Now.Picoseconds;
            _retransmitTimer.ArmAfter(Options.TimeWait); // fires into OnRetransmitTimer, which releases
        }
        else
        {
            State = TcpState.Closed;
            Release();
        }

        Application.OnClosed(this);
    }

    private long _timeWaitSincePs;
    private bool _released;

    /// <summary>Frees the port (or the listener's table entry).</summary>
    private void Release()
    {
        if (_released)
        {
            return;
        }

        _released = true;
        State = TcpState.Closed;
        _retransmitTimer.Disarm();
        if (_listener is not null)
        {
            _listener.Remove(this);
        }
        else
        {
            Namespace.Unbind(IpProtocol.Tcp, LocalPort, this);
        }
    }

    /// <summary>tcp_twsk_unique with tcp_tw_reuse: a connection over a second into TIME-WAIT gives its port up.</summary>
    bool IReusableEndpoint.TryRelease()
    {
        if (State != TcpState.TimeWait || !Options.TimeWaitReuse
            || Namespace.Host.Sim.Now.Picoseconds - _timeWaitSincePs < SimTime.PicosecondsPerSecond)
        {
            return false;
        }

        Release();
        return true;
    }

    private bool _terminated;
}

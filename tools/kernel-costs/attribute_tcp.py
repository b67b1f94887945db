#!/usr/bin/env python3
"""Attributes a call-graph perf profile (perf record -g; perf script -F comm,ip,sym) to NetPerf's stages,
for the TCP measurements of measure-tcp.sh.

Unlike attribute.py (self time of each function), a sample goes to the stage of the nearest *owning* function on
its stack, walking from the leaf towards the root: generic helpers (allocation, freeing, memcpy, locks) are not
owners, so an skb allocated by skb_segment counts as segmentation and one allocated by tcp_sendmsg as TCP
output. Copies to and from user space are owners (Syscall), as in the existing table. Only the measured
workload's samples count: comms tcpblast, ip, ksoftirqd/N and non-idle swapper/N (softirqs on an idle CPU);
other processes on the shared machine are dropped.
Labels that are not NetPerf stages: TcpRecvmsg (tcp_recvmsg and the receive-buffer tuning under it, which the
UDP path does in udp_recvmsg, charged to Syscall), TcpTimer (TCP timers: retransmit, delayed ACK, pacing).
Usage: perf script -F comm,period,ip,sym | attribute_tcp.py     Prints: stage,percent (of counted samples), then
samples,N, dropped,N and sampled_ns,T (the counted samples' periods: the workload's CPU time while sampled).
"""
import re
import sys

# Order matters within one frame: the first pattern that matches a frame's function names its stage.
OWNERS = [
    ("GsoSegment", r"^(skb_segment|skb_segment_list|__skb_gso_segment|skb_gso_segment|skb_mac_gso_segment|inet_gso_segment|tcp4?_gso_segment|__tcp_gso_segment|tcp_gso_tstamp|gso_reset_checksum|skb_gso_validate|__udp_gso_segment)"),
    ("BacklogReceive", r"^(gro_normal_|gro_cells)"),  # handing finished GRO packets up: the receive path's glue
    ("GroReceive", r"(^|_)gro(_|$)|^napi_skb_finish|^napi_reuse_skb|^napi_skb_free_stolen_head|^skb_gro_|^napi_get_frags"),
    ("Syscall", r"^(_copy_from_iter|_copy_to_iter|copy_user|rep_movs|skb_copy_to_page_nocache|skb_do_copy_data_nocache|copy_page_from_iter|copy_page_to_iter|skb_copy_datagram_iter|__skb_datagram_iter|simple_copy_to_iter|csum_and_copy|__check_object_size|check_heap_object|__virt_addr_valid|import_ubuf|move_addr_to|entry_SYSCALL|do_syscall_64|syscall_|__x64_sys_|__sys_sendto|__sys_recvfrom|__sys_sendmsg|__sys_recvmsg|ksys_|sock_sendmsg|sock_recvmsg|__sock_sendmsg|inet_sendmsg|inet_recvmsg|udp_recvmsg|__skb_recv_udp|__skb_try_recv|skb_consume_udp|sockfd_lookup|fdget|__fget|security_socket|apparmor|exit_to_user|srso_|clear_bhb|x86_return|fpregs|switch_fpu|audit|seccomp|rseq|sock_wfree|__skb_wait_for_more)"),
    ("TcpRecvmsg", r"^(tcp_recvmsg|tcp_recvmsg_locked|tcp_cleanup_rbuf|tcp_rcv_space_adjust|tcp_update_recv_tstamps|tcp_eat_recv_skb|tcp_recv_timestamp|tcp_inq)"),
    ("TcpTimer", r"^(tcp_write_timer|tcp_delack_timer|tcp_pace_kick|tcp_tsq_handler|tcp_tasklet_func|tcp_tsq_write|tcp_keepalive_timer|tcp_retransmit_timer|tcp_compressed_ack_kick|tcp_release_cb)"),
    ("TcpOutput", r"^(tcp_sendmsg|tcp_sendmsg_locked|tcp_push|__tcp_push_pending_frames|tcp_push_one|tcp_write_xmit|tcp_transmit_skb|__tcp_transmit_skb|tcp_stream_alloc_skb|tcp_skb_entail|tcp_send_ack|__tcp_send_ack|tcp_send_delayed_ack|tcp_event_new_data_sent|tcp_rate_skb_sent|tcp_options_write|tcp_established_options|tcp_current_mss|tcp_tso_segs|tcp_tso_autosize|tcp_small_queue_check|tcp_pacing_check|tcp_chrono_|tcp_wfree|tcp_send_mss|tcp_mtu_probe|tcp_cwnd_validate|tcp_schedule_loss_probe|tcp_mstamp_refresh|tcp_update_skb_after_send|tcp_wmem_schedule|sk_stream_alloc_skb|tcp_v4_send_check|__tcp_v4_send_check|tcp_init_tso_segs|tcp_set_skb_tso_segs|tcp_event_data_sent|tcp_snd_cwnd|tcp_nagle|tcp_tso_should_defer|tcp_rearm_rto|sk_stream_wait_memory|tcp_remove_empty_skb|tcp_send_fin|tcp_close|tcp_sendmsg_fastopen)"),
    ("TcpInput", r"^(tcp_v4_rcv|tcp_v4_do_rcv|tcp_rcv_established|tcp_rcv_state_process|tcp_ack|tcp_data_queue|tcp_event_data_recv|tcp_v4_early_demux|__inet_lookup_established|inet_ehashfn|__inet_lookup_skb|tcp_add_backlog|tcp_validate_incoming|tcp_check_space|tcp_clean_rtx_queue|tcp_ack_update_rtt|tcp_urg|tcp_filter|tcp_inbound_hash|tcp_inbound_md5|tcp_ofo_queue|tcp_try_coalesce|tcp_grow_window|tcp_measure_rcv_mss|__tcp_ack_snd_check|tcp_ack_snd_check|tcp_parse_options|tcp_fast_parse|tcp_rate_gen|tcp_rate_skb_delivered|tcp_cong_|tcp_sacktag|tcp_process_tlp|tcp_in_ack|tcp_ecn|tcp_rcv_rtt|tcp_store_ts|tcp_paws|tcp_data_snd_check|tcp_new_space|tcp_sndbuf|tcp_v4_fill_cb|tcp_checksum_complete|tcp_v4_restore_cb|tcp_try_rmem_schedule|tcp_undo|tcp_fastretrans|tcp_fin|tcp_reset|tcp_rcv_synsent|tcp_init_transfer|bbr_|cubictcp|tcp_reno|tcp_slow_start|tcp_update_pacing_rate|tcp_sync_mss|tcp_drop|tcp_v4_send_reset|tcp_set_state)"),
    ("UdpOutput", r"^(udp_sendmsg|udp_send_skb|ip_make_skb|__ip_make_skb|__ip_append_data|ip_append_data|ip_generic_getfrag|udp_csum|udp4_hwcsum|sock_alloc_send|ip_setup_cork|ip_cork_release)"),
    ("UdpInput", r"^(udp_rcv|__udp4_lib_rcv|udp_unicast_rcv_skb|udp_queue_rcv|__udp4_lib_lookup|udp4_lib_lookup|udp_lib_lookup|udp4_csum|compute_score|udp_v4_early_demux|udp4_lib_rcv|udp_lib_checksum)"),
    ("SocketDeliver", r"^(__udp_enqueue_schedule_skb|sock_def_readable|tcp_data_ready|tcp_queue_rcv|sk_data_ready|__wake_up|try_to_wake_up|ttwu_|wake_up|select_task_rq|enqueue_task|activate_task|check_preempt|resched|update_curr|enqueue_entity|place_entity|reweight|sk_wake_async|ep_poll_callback)"),
    ("VethTransmit", r"^(veth_xmit|veth_forward_skb|__dev_forward_skb|dev_forward_skb|__dev_forward_skb2|skb_scrub_packet|eth_type_trans|veth_get_stats|veth_skb_is_eligible)"),
    ("BacklogReceive", r"^(veth_poll|veth_xdp_rcv|netif_rx|__netif_rx|netif_rx_internal|enqueue_to_backlog|process_backlog|__netif_receive_skb|netif_receive_skb|net_rx_action|__napi_poll|napi_poll|napi_complete|__napi_schedule|napi_schedule|____napi_schedule|handle_softirqs|__do_softirq|do_softirq|__local_bh_enable|irq_exit|rps_|skb_defer|deliver_skb|napi_consume_skb|run_ksoftirqd|smpboot_thread_fn)"),
    ("IpInput", r"^(ip_rcv|ip_local_deliver|ip_protocol_deliver|ip_sublist|ip_list_rcv|raw_local_deliver|ip_rcv_finish)"),
    ("FibLookup", r"^(fib_|ip_route_|rt_dst|ipv4_dst|__mkroute|ip_mkroute|rt_cache|find_exception|l3mdev|__ip_route)"),
    ("IpOutput", r"^(ip_queue_xmit|__ip_queue_xmit|ip_output|ip_finish_output|__ip_finish_output|ip_local_out|__ip_local_out|neigh_|__dev_queue_xmit|dev_queue_xmit|dev_hard_start_xmit|validate_xmit|netdev_core_pick|ip_send_skb|ip_push_pending|ip_copy_addrs|ip_select_ident|__ip_select_ident|qdisc|sch_direct|__qdisc|ip_skb_dst_mtu|netif_skb_features|passthru_features_check|skb_network_protocol|harmonize_features|dst_neigh|skb_csum_hwoffload_help|dev_qdisc_enqueue|__dev_xmit_skb)"),
    ("Scheduler", r"^(schedule|__schedule|finish_task_switch|pick_next|dequeue|switch_mm|__switch_to|context_switch|psi_|cpuacct|update_rq_clock|set_next_entity|put_prev|update_load|sched_|native_sched_clock|hrtick|rcu_note|newidle|__update_load|pick_task|prepare_task_switch)"),
]
COMPILED = [(stage, re.compile(p)) for stage, p in OWNERS]
IDLE = re.compile(r"^(default_idle|native_safe_halt|pv_native_safe_halt|arch_cpu_idle|cpuidle|do_idle|cpu_startup_entry|acpi_idle|mwait_idle|intel_idle|poll_idle|halt)")
OURS = re.compile(r"^(tcpblast|ip|ksoftirqd/\d+|swapper/\d+|swapper)$")
USER = "Syscall"  # user-space frames (the workload's own loop and libc) count as Syscall, as in attribute.py


def classify(frames):
    for func, kernel in frames:
        if not kernel:
            return USER
        for stage, rx in COMPILED:
            if rx.search(func):
                return stage
    return "unattributed"


def samples(lines):
    """The samples of `perf script -F comm,period,ip,sym` output: (comm, period in ns, frames), each frame
    (function, in the kernel), leaf first. A header line holds the comm (it may contain spaces), then the sample's
    period; its stack lines follow, indented."""
    comm, period, frames = None, 0, []
    for line in lines:
        if not line.strip():
            continue
        if not line[0].isspace():
            if comm is not None:
                yield comm, period, frames
            head = line.split()
            if head[-1].isdigit():
                comm, period = " ".join(head[:-1]), int(head[-1])
            else:
                comm, period = " ".join(head), 0
            frames = []
            continue
        parts = line.split(None, 1)
        addr, sym = parts[0], (parts[1].strip() if len(parts) > 1 else "[unknown]")
        frames.append((re.sub(r"\+0x[0-9a-f]+$", "", sym), addr.startswith("ffffffff")))
    if comm is not None:
        yield comm, period, frames


def main() -> None:
    totals, counted, dropped, sampled = {}, 0, 0, 0
    comms = {}
    for comm, period, frames in samples(sys.stdin):
        if not OURS.match(comm) or not frames or IDLE.match(frames[0][0]):
            dropped += 1
            comms[comm] = comms.get(comm, 0) + 1
            continue
        stage = classify(frames)
        totals[stage] = totals.get(stage, 0) + 1
        counted += 1
        sampled += period
    for stage, n in sorted(totals.items(), key=lambda kv: -kv[1]):
        print(f"{stage},{100.0 * n / max(counted, 1):.2f}")
    print(f"samples,{counted}")
    print(f"dropped,{dropped}")
    print(f"sampled_ns,{sampled}")
    for c, n in sorted(comms.items(), key=lambda kv: -kv[1])[:6]:
        print(f"# dropped comm {c},{n}", file=sys.stderr)


if __name__ == "__main__":
    main()

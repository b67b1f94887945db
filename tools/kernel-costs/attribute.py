#!/usr/bin/env python3
"""Attributes a perf profile (perf report --stdio --no-children --sort sym) to NetPerf's kernel stages.

Each kernel function is mapped to the stage NetPerf charges for the work it does (first matching pattern
wins); self time of unmatched functions is reported as 'unattributed' and spread in proportion by the caller.
Usage: perf report -i perf.data --stdio --no-children --sort sym | attribute.py
Prints: stage,percent
"""
import re
import sys

# Order matters: specific patterns before generic ones.
STAGES = [
    ("VxlanEncapsulate", r"vxlan_xmit|vxlan_build_skb|udp_tunnel_xmit_skb|iptunnel_xmit|vxlan_encap|udp_set_csum|vxlan_xmit_one|vxlan_find_mac|__skb_flow_dissect|skb_get_hash|udp_flow_src_port"),
    ("VxlanDecapsulate", r"vxlan_rcv|vxlan_udp_encap_recv|gro_cells|vxlan_ecn|__iptunnel_pull_header|vxlan_remcsum|vxlan_vs_find|vxlan_"),
    ("BridgeForward", r"^br_|_br_|nbp_|__br_"),
    ("NetfilterRule", r"nft_do_chain|nft_.*eval|ipt_do_table|ip_packet_match|nft_meta|nft_cmp|nft_payload|xt_"),
    ("ConntrackLookup", r"nf_conntrack|nf_ct_|__nf_conntrack|nf_confirm|hash_conntrack|siphash|ipv4_conntrack|nf_nat|init_conntrack"),
    ("NetfilterHook", r"nf_hook_slow|nf_hook|nf_iterate"),
    ("VethTransmit", r"veth_|dev_forward_skb|__dev_forward_skb|skb_scrub_packet|eth_type_trans"),
    ("LoopbackTransmit", r"loopback_xmit"),
    ("BacklogReceive", r"dev_gro_receive|gro_|netif_rx|enqueue_to_backlog|process_backlog|__netif_receive_skb|netif_receive_skb|net_rx_action|handle_softirqs|__do_softirq|do_softirq|__local_bh_enable|napi_|rps_|skb_defer|deliver_skb|__napi_poll"),
    ("IpForward", r"ip_forward"),
    ("FibLookup", r"fib_|ip_route_|rt_dst|dst_release|ipv4_dst|__mkroute|ip_mkroute|rt_cache|find_exception|l3mdev"),
    ("IpInput", r"ip_rcv|ip_local_deliver|ip_protocol_deliver|ip_sublist|ip_list_rcv|raw_local_deliver"),
    ("UdpInput", r"udp_rcv|__udp4_lib|udp_unicast_rcv|udp_queue_rcv|udp4_lib_lookup|udp_lib_lookup|udp4_csum|__udp_lib|udp_err|udp_v4_early_demux|compute_score|udp_lib_|udp4_lib_rcv"),
    ("SocketDeliver", r"__udp_enqueue_schedule_skb|sock_def_readable|__wake_up|try_to_wake_up|ttwu_|wake_up|select_task_rq|enqueue_task|activate_task|check_preempt|resched|sk_data_ready|update_curr|enqueue_entity|place_entity|reweight"),
    ("IpOutput", r"ip_output|ip_finish_output|ip_local_out|__ip_local_out|neigh_|__dev_queue_xmit|dev_queue_xmit|dev_hard_start_xmit|validate_xmit|netdev_core_pick|ip_send_skb|ip_push_pending|ip_make_skb|__ip_make_skb|skb_push|ip_copy_addrs|ip_select_ident|__ip_select_ident|qdisc|sch_direct|__qdisc|ip_skb_dst_mtu|netif_skb_features|passthru_features_check|skb_network_protocol|harmonize_features|dst_neigh"),
    ("UdpOutput", r"udp_sendmsg|udp_send_skb|__ip_append_data|ip_append_data|ip_generic_getfrag|udp_csum|csum_partial|__alloc_skb|alloc_skb|kmalloc_reserve|sock_alloc_send|skb_set_owner|sock_wmalloc|udp_send_check|__skb_checksum|csum_"),
    ("Syscall", r"^__libc_|^main$|^0x0000|__get_user|__put_user|_copy_from_user|_copy_to_user|__skb_wait_for_more_packets|sock_wfree|entry_SYSCALL|do_syscall|syscall_|__sys_sendto|__sys_recvfrom|__x64_sys|sock_sendmsg|sock_recvmsg|udp_recvmsg|__skb_recv_udp|skb_copy_datagram|_copy_to_iter|_copy_from_iter|copy_user|rep_movs|__check_object_size|__virt_addr_valid|check_heap_object|import_ubuf|move_addr_to|__skb_try_recv|skb_consume_udp|__consume_stateless_skb|kfree_skb|consume_skb|skb_release|kmem_cache|kfree|__slab_free|skb_free_head|sockfd_lookup|fdget|__fget|security_socket|apparmor|srso_|clear_bhb|x86_return|fpregs|switch_fpu|exit_to_user|audit|seccomp|rseq"),
    ("Scheduler", r"schedule|__schedule|finish_task_switch|pick_next|dequeue|switch_mm|__switch_to|context_switch|psi_|cpuacct|update_rq_clock|set_next_entity|put_prev|update_load|sched_|native_sched_clock|hrtick|rcu_note|newidle|__update_load"),
]
COMPILED = [(stage, re.compile(pattern)) for stage, pattern in STAGES]


def main() -> None:
    totals: dict[str, float] = {}
    line_re = re.compile(r"^\s*([\d.]+)%\s+\[[kK.]\]\s+(\S+)")
    for line in sys.stdin:
        m = line_re.match(line)
        if not m:
            continue
        percent, symbol = float(m.group(1)), m.group(2)
        stage = next((s for s, rx in COMPILED if rx.search(symbol)), "unattributed")
        totals[stage] = totals.get(stage, 0.0) + percent
    for stage, percent in sorted(totals.items(), key=lambda kv: -kv[1]):
        print(f"{stage},{percent:.2f}")


if __name__ == "__main__":
    main()

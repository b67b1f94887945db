#!/usr/bin/env python3
"""Attributes a call-graph perf profile of a bulk TCP stream (measure-stream.sh: perf record -g; perf script -F
comm,period,ip,sym) two ways, to say what a stream's CPU per KiB is made of.

1. owner: as attribute_tcp.py (the nearest owning function from the leaf), with the devices of calibrate's
   testbeds told apart (BridgeForward br_*, IpForward, Vxlan, Netfilter nf_*/nft_*) and the memory work a stream
   does per byte told apart from the stage that asked for it (PageAlloc: page allocation and freeing, page-frag
   refills; SkbFree: freeing an skb's head and frags; MemAccount: socket memory accounting).
2. role: which piece of TCP's work the sample is inside, the innermost of: the send syscall's copy and skb
   building (send), TCP output of data super-packets (xmit: tcp_write_xmit down to the device and whatever the
   path does with them before the receiver's softirq takes them), an ACK being sent (ack-tx: __tcp_send_ack and
   its whole path), an ACK being processed by the sender (ack-rx: tcp_ack and under it), data arriving
   (data-rx: tcp_v4_rcv of data, queueing, GRO), the receive syscall (recv: tcp_recvmsg, copy to user, freeing).
   On one CPU the paths nest (a transmit runs the receiver's softirq, which sends an ACK, which the sender
   processes), so the innermost role owns the sample.
Only the workload's samples count (npprobe, tcpblast, ksoftirqd/N, non-idle swapper/N). Prints owner,STAGE,pct
then role,ROLE,pct, samples, dropped, sampled_ns."""
import os
import re
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import attribute_tcp as at  # noqa: E402

EXTRA = [
    ("MemAccount", r"^(__sk_mem_|sk_mem_|__sk_mem_raise|__sk_mem_reduce|mem_cgroup_|__mod_memcg|sk_forced_mem|sk_wmem_schedule|sk_rmem_schedule|tcp_wmem_free_skb|page_counter_)"),
    ("PageAlloc", r"^(__alloc_pages|alloc_pages|__folio_alloc|get_page_from_freelist|rmqueue|free_unref_page|free_unref_folio|__free_pages|free_pages|__put_page|put_page|folio_put|__folio_put|skb_page_frag_refill|sk_page_frag_refill|page_frag_|free_pcppages|__free_one_page|__page_cache_release|free_frozen_pages|__free_frozen_pages|free_pcp|clear_page|prep_new_page|post_alloc_hook)"),
    ("SkbFree", r"^(skb_release_data|skb_release_head_state|__kfree_skb|kfree_skb|consume_skb|__consume_stateless_skb|skb_free_head|kfree_skbmem|skb_attempt_defer_free|napi_consume_skb|skb_release_all|__napi_kfree_skb|sk_skb_reason_drop)"),
    ("BridgeForward", r"^(br_|nbp_|__br_)"),
    ("IpForward", r"^(ip_forward|ip_forward_finish)"),
    ("Vxlan", r"^(vxlan_|udp_tunnel|iptunnel_|udp_tun_rx|__udp_tunnel|udp4_gro_receive|udp_gro_receive|udp4_gro_complete|skb_udp_tunnel|__skb_udp_tunnel_segment|skb_udp_tunnel_segment|udp4_ufo|__udp4_lib_err|gro_cells)"),
    ("Netfilter", r"^(nf_|nft_|ipt_|ipv4_conntrack|__nf_|ip_sabotage|br_nf)"),
    ("Checksum", r"^(csum_|__skb_checksum|skb_checksum|do_csum|__skb_gro_checksum|csum_partial|skb_csum)"),
]
OWNERS = [(s, re.compile(p)) for s, p in EXTRA] + at.COMPILED
# GsoSegment stays first: an skb segmented for the tunnel is segmentation work, whoever allocates it.
OWNERS.sort(key=lambda sp: 0 if sp[0] == "GsoSegment" else 1)

ROLES = [
    ("ack-tx", r"^(__tcp_send_ack|tcp_send_ack|tcp_send_delayed_ack|tcp_delack_timer)"),
    ("ack-rx", r"^(tcp_ack|tcp_clean_rtx_queue|tcp_data_snd_check|tcp_check_space|tcp_new_space)$"),
    ("xmit", r"^(tcp_write_xmit|__tcp_push_pending_frames|tcp_push|tcp_push_one|tcp_tsq_handler|tcp_tasklet_func|tcp_pace_kick|tcp_release_cb)$"),
    ("recv", r"^(tcp_recvmsg|tcp_recvmsg_locked|__x64_sys_recvfrom|__sys_recvfrom|sock_recvmsg|inet_recvmsg)$"),
    ("send", r"^(tcp_sendmsg|tcp_sendmsg_locked|__x64_sys_sendto|__sys_sendto|sock_sendmsg|__sock_sendmsg|inet_sendmsg|__x64_sys_write|ksys_write)$"),
    ("data-rx", r"^(tcp_v4_rcv|tcp_v4_do_rcv|tcp_rcv_established|ip_rcv|ip_local_deliver|__netif_receive_skb|process_backlog|net_rx_action|napi_gro_receive|veth_poll|handle_softirqs|__do_softirq)$"),
]
ROLE_RX = [(r, re.compile(p)) for r, p in ROLES]
OURS = re.compile(r"^(npprobe|tcpblast|ip|ksoftirqd/\d+|swapper/\d+|swapper)$")


def owner(frames):
    for func, kernel in frames:
        if not kernel:
            return at.USER
        for stage, rx in OWNERS:
            if rx.search(func):
                return stage
    return "unattributed"


def role(frames):
    for func, _ in frames:
        for r, rx in ROLE_RX:
            if rx.search(func):
                return r
    return "other" if frames and frames[0][1] else "user"


def main() -> None:
    owners, roles, counted, dropped, sampled = {}, {}, 0, 0, 0
    for comm, period, frames in at.samples(sys.stdin):
        if not OURS.match(comm) or not frames or at.IDLE.match(frames[0][0]):
            dropped += 1
            continue
        o, r = owner(frames), role(frames)
        owners[o] = owners.get(o, 0) + 1
        roles[r] = roles.get(r, 0) + 1
        counted += 1
        sampled += period
    print("kind,name,percent")
    for k, table in (("owner", owners), ("role", roles)):
        for name, n in sorted(table.items(), key=lambda kv: -kv[1]):
            print(f"{k},{name},{100.0 * n / max(counted, 1):.2f}")
    print(f"total,samples,{counted}")
    print(f"total,dropped,{dropped}")
    print(f"total,sampled_ns,{sampled}")


if __name__ == "__main__":
    main()

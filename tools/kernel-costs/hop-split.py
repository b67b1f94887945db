#!/usr/bin/env python3
"""Splits measure.sh PROFILE runs of several paths into kinds of kernel work, in ns per datagram, so that what one more
hop costs can be read beside what the first namespace crossing costs. Input per path: perf report -i PATH.perf --stdio
--no-children --sort comm,sym -F comm,period,sym (cpu-clock: the period is ns). Only the probe's own processes count
(perf-exec is the sender under perf, udpblast the receiver), so other work on the CPU does not.
Usage: hop-split.py COUNT lo=lo.sym veth=veth.sym bridge=bridge.sym routed=routed.sym"""
import re, sys

# First match wins; the order puts the specific before the generic.
CATEGORIES = [
    ("bpf tracing (programs of this machine, not NetPerf's)", r"^(__bpf_prog_.*|bpf_.*|__htab_.*|htab_.*|lookup_nulls_elem_raw|read_tsc|ktime_get_mono_fast_ns|map_id_range_down|copy_from_kernel_nofault|__virt_addr_valid)$"),
    ("softirq entry", r"^(net_rx_action|handle_softirqs|__do_softirq|do_softirq|__local_bh_enable_ip|__napi_poll|napi_.*|raise_softirq.*|__raise_softirq.*)$"),
    ("backlog pass", r"^(enqueue_to_backlog|netif_rx.*|__netif_rx|process_backlog|__netif_receive_skb.*|netif_receive_skb.*|deliver_skb|rps_.*|skb_defer.*)$"),
    ("input route lookup", r"^(ip_route_input.*|fib_validate_source|__fib_validate_source|inet_addr_hash.*|ip_rcv_finish_core.*|udp_v4_early_demux|ip_route_use_hint)$"),
    ("output route lookup", r"^(ip_route_output.*|__ip_route_output.*|ip_route_connect.*)$"),
    ("fib (either lookup)", r"^(fib_.*|__fib_.*|fib4_.*|fib_table_lookup|nexthop_.*)$"),
    ("veth transmit", r"^(veth_.*|__dev_forward_skb.*|dev_forward_skb|skb_scrub_packet|eth_type_trans|netif_skb_features|passthru_features_check|skb_network_protocol)$"),
    ("loopback transmit", r"^(loopback_xmit)$"),
    ("device queue (any device)", r"^(__dev_queue_xmit|dev_hard_start_xmit|validate_xmit_skb.*|sch_direct_xmit|dev_queue_xmit.*)$"),
    ("bridge", r"^(br_.*|__br_.*|nbp_.*)$"),
    ("ip forward", r"^(ip_forward.*)$"),
    ("scheduler and wake-up", r"^(finish_task_switch.*|__schedule|schedule.*|pick_next_.*|.*_task_fair|update_curr.*|try_to_wake_up|ttwu_.*|select_task_rq.*|dequeue_.*|enqueue_.*|__wake_up.*|autoremove_wake_function|_raw_spin_unlock_irq.*|_raw_spin_lock.*)$"),
]
OTHER = "everything else"

count = float(sys.argv[1])
paths = [a.split("=", 1) for a in sys.argv[2:]]
table = {}
for name, file in paths:
    sums = {c: 0.0 for c, _ in CATEGORIES}
    sums[OTHER] = 0.0
    for line in open(file):
        f = line.split()
        if len(f) < 4 or f[0] not in ("perf-exec", "udpblast"):
            continue
        ns = int(f[1]) / count
        for cat, rx in CATEGORIES:
            if re.match(rx, f[3]):
                sums[cat] += ns
                break
        else:
            sums[OTHER] += ns
    table[name] = sums

names = [n for n, _ in paths]
print("category," + ",".join(names))
for cat in [c for c, _ in CATEGORIES] + [OTHER]:
    print(f"\"{cat}\"," + ",".join(f"{table[n][cat]:.0f}" for n in names))
print("total," + ",".join(f"{sum(table[n].values()):.0f}" for n in names))

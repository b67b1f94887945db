#!/usr/bin/env python3
"""Derives NetPerf's default per-stage CPU costs from the measurements in this folder.

Method: the loopback path's measured time is split over its stages by its perf profile; every other stage comes
from the measured difference between two paths that differ by exactly that hop (profile shares only split a
difference that covers two stages). The hold-out paths (results-KERNEL-holdout.csv) are not used here: the
simulator's predictions for them are checked by tests/NetPerf.Network.Tests/Cpu/CalibrationTests.cs.

Inputs (all in this folder, for one kernel): results-KERNEL.csv (ns per datagram by path and payload),
results-KERNEL-legacy-rules.csv (1,000 legacy iptables rules), results-KERNEL-churn.csv (a new flow per
datagram), profiles-KERNEL/*.csv (perf cpu-clock profiles attributed to stages by attribute.py).
Output: the cost table as CSV (stage,fixed_ns,ns_per_byte,source) on stdout.
Usage: derive.py KERNEL > ../../src/NetPerf.Network/Cpu/cost-model.csv
"""
import csv
import sys
from pathlib import Path

HERE = Path(__file__).parent
KERNEL = sys.argv[1]
BYTES = 1400 - 18  # payload difference between the two datagram sizes measured


def results(name):
    with open(HERE / name) as f:
        return {(r["topology"], int(r["payload_bytes"])): float(r["ns_per_packet"]) for r in csv.DictReader(f) if r["ns_per_packet"] not in ("", "NA")}


def profile(topology, stages=None):
    """Stage shares of a path. Samples in stages the path does not have (attribute.py's misattributions) and
    unattributed samples are spread over the others in proportion."""
    shares = {}
    with open(HERE / f"profiles-{KERNEL}" / f"{topology}.csv") as f:
        for line in f:
            stage, percent = line.strip().split(",")
            shares[stage] = float(percent)
    shares.pop("unattributed", None)
    if stages is not None:
        shares = {k: v for k, v in shares.items() if k in stages}
    total = sum(shares.values())
    return {k: v / total for k, v in shares.items()}


T = results(f"results-{KERNEL}.csv")
legacy = results(f"results-{KERNEL}-legacy-rules.csv")
churn = results(f"results-{KERNEL}-churn.csv")
dnat = results(f"results-{KERNEL}-dnat.csv")
LO_STAGES = {"Syscall", "UdpOutput", "IpOutput", "LoopbackTransmit", "BacklogReceive", "IpInput", "UdpInput",
             "SocketDeliver", "Scheduler", "FibLookup"}
lo = profile("lo", LO_STAGES)
vxlan, ct = profile("vxlan"), profile("routed-ct")
M = f"measured on Linux {KERNEL} (tools/kernel-costs: measure.sh, one CPU, 18-byte UDP datagrams, median of 3 x 500,000)"


def share(path_ns, shares, stage, divisor=1.0):
    return path_ns * shares.get(stage, 0.0) / divisor


rows = []
costs = {}


MEASURED_IP_BYTES = 20 + 8 + 18  # NetPerf charges per byte on the IP length; the fixed part excludes it


def row(stage, fixed, per_byte, source):
    fixed -= per_byte * MEASURED_IP_BYTES
    costs[stage] = fixed
    rows.append((stage, round(fixed, 1), round(per_byte, 3), source))


L = T[("lo", 18)]
per_byte_copy = (T[("lo", 1400)] - T[("lo", 18)]) / BYTES / 2
# The loopback path, in NetPerf's stages: Syscall x2 (sendto, recvfrom), UdpOutput, FibLookup x2 (NetPerf looks up
# on input too), IpOutput, LoopbackTransmit, BacklogReceive, IpInput, UdpInput, SocketDeliver. Its measured time
# is split by its perf profile (attribute.py; unattributed samples spread in proportion).
BASE = f"{M}: loopback path ({L:.0f} ns) split by its perf profile"
row("Syscall", share(L, lo, "Syscall", 2), per_byte_copy,
    f"{BASE}, syscall entry, copies and user space, halved (sendto + recvfrom); per byte: (1400-byte - 18-byte loopback time) / 1382 / 2, one copy each way")
row("UdpOutput", share(L, lo, "UdpOutput"), 0.0, f"{BASE}, udp_sendmsg and skb allocation")
row("IpOutput", share(L, lo, "IpOutput"), 0.0, f"{BASE}, ip_output to dev_queue_xmit")
row("LoopbackTransmit", share(L, lo, "LoopbackTransmit"), 0.0, f"{BASE}, loopback_xmit")
row("BacklogReceive", share(L, lo, "BacklogReceive"), 0.0, f"{BASE}, netif_rx, process_backlog and __netif_receive_skb")
row("IpInput", share(L, lo, "IpInput"), 0.0, f"{BASE}, ip_rcv and ip_local_deliver")
row("UdpInput", share(L, lo, "UdpInput"), 0.0, f"{BASE}, udp_rcv and the socket lookup")
row("SocketDeliver", share(L, lo, "SocketDeliver") + share(L, lo, "Scheduler"), 0.0, f"{BASE}, socket enqueue, wake-up and the context switch")
row("FibLookup", share(L, lo, "FibLookup", 2), 0.0, f"{BASE}, fib_* and ip_route_*, over the 2 lookups NetPerf charges on it")

# Each further stage from the measured difference between two paths that differ by exactly that hop.
row("VethTransmit", costs["LoopbackTransmit"] + T[("veth", 18)] - L, 0.0,
    f"{M}: LoopbackTransmit + (veth pair between namespaces {T[('veth', 18)]:.0f} ns - loopback {L:.0f} ns); the paths differ only in the transmit and the namespace crossing")
hop = costs["BacklogReceive"] + costs["IpInput"] + costs["FibLookup"] + costs["VethTransmit"]
row("IpForward", T[("routed", 18)] - T[("veth", 18)] - hop, 0.0,
    f"{M}: (routed through a forwarding namespace {T[('routed', 18)]:.0f} ns - veth pair {T[('veth', 18)]:.0f} ns) - that hop's BacklogReceive, IpInput, FibLookup and VethTransmit (ip_forward and the forwarding namespace's output)")
row("BridgeForward", T[("bridge", 18)] - T[("veth", 18)] - costs["BacklogReceive"] - costs["VethTransmit"], 0.0,
    f"{M}: (bridged through a namespace, bridge-nf-call-iptables=0, {T[('bridge', 18)]:.0f} ns - veth pair) - that hop's BacklogReceive and VethTransmit")
vx_extra = (3 * costs["FibLookup"] + costs["IpOutput"] + 2 * costs["BacklogReceive"] + 2 * costs["IpInput"]
            + costs["UdpInput"] + costs["IpForward"] + costs["VethTransmit"])
vx_both = T[("vxlan", 18)] - T[("routed", 18)] - vx_extra
enc_share = vxlan.get("VxlanEncapsulate", 0.0) / (vxlan.get("VxlanEncapsulate", 0.0) + vxlan.get("VxlanDecapsulate", 0.0))
vx_per_byte = ((T[("vxlan", 1400)] - T[("vxlan", 18)]) - (T[("routed", 1400)] - T[("routed", 18)])) / BYTES / 2
VX = (f"{M}: (two routers joined by VXLAN over a veth underlay {T[('vxlan', 18)]:.0f} ns - routed {T[('routed', 18)]:.0f} ns) less the extra "
      f"hop's other stages = {vx_both:.0f} ns for encapsulation and decapsulation, split {enc_share:.0%}/{1 - enc_share:.0%} by the VXLAN path's perf profile; "
      f"per byte: the VXLAN path's extra per-byte time over the routed path, halved")
row("VxlanEncapsulate", vx_both * enc_share, vx_per_byte, VX)
row("VxlanDecapsulate", vx_both * (1 - enc_share), vx_per_byte, VX)

rule = (legacy[("routed-rules", 18)] - T[("routed", 18)]) / 1000
row("NetfilterRule", rule, 0.0,
    f"{M}: (routed path with 1,000 non-matching legacy iptables FORWARD rules {legacy[('routed-rules', 18)]:.0f} ns - routed path) / 1,000; agrees with measurements.md R-17 (7-9 ns per rule); with the nf_tables backend it is {(T[('routed-rules', 18)] - T[('routed', 18)]) / 1000:.1f} ns")
nft_rule = (T[("routed-rules", 18)] - T[("routed", 18)]) / 1000  # routed-ct's one rule ran on the nf_tables backend
row("NftablesRule", nft_rule, 0.0,
    f"{M}: (routed path with 1,000 non-matching iptables-nft FORWARD rules {T[('routed-rules', 18)]:.0f} ns - routed path {T[('routed', 18)]:.0f} ns) / 1,000 (results-{KERNEL}.csv, measure.sh's default backend); the same 1,000 rules with iptables-legacy cost {rule:.1f} ns each (NetfilterRule)")
ct_both = T[("routed-ct", 18)] - T[("routed", 18)] - nft_rule
hook_share = ct.get("NetfilterHook", 0.0) / (ct.get("NetfilterHook", 0.0) + ct.get("ConntrackLookup", 0.0))
CT = (f"{M}: (routed with conntrack loaded by one FORWARD rule {T[('routed-ct', 18)]:.0f} ns - routed - one rule) = {ct_both:.0f} ns "
      f"for 3 hooks (PREROUTING, FORWARD, POSTROUTING) and one lookup of an established flow, split by that path's perf profile")
row("NetfilterHook", ct_both * hook_share / 3, 0.0, CT)
row("ConntrackLookup", ct_both * (1 - hook_share), 0.0, CT)
new_extra = (churn[("routed-ct-churn", 18)] - churn[("routed-churn", 18)]) - (T[("routed-ct", 18)] - T[("routed", 18)])
row("ConntrackNew", new_extra, 0.0,
    f"{M}: a new flow per datagram (19,000 flows, median of 3), conntrack minus no conntrack, less the same difference for one established flow; coarse (+/- about 500 ns: each run is about 20 clock ticks)")
ct_lookup = costs["ConntrackLookup"]
row("Nat", dnat[("routed-dnat", 18)] - dnat[("routed-ct", 18)] + nft_rule, 0.0,
    f"{M}: routed path DNATing an established flow ({dnat[('routed-dnat', 18)]:.0f} ns) - routed path with conntrack and one nf_tables FORWARD rule ({dnat[('routed-ct', 18)]:.0f} ns, same run) + that rule: the per-packet rewrite; one paired run, +/- about 200 ns")
send_side = costs["Syscall"] + costs["UdpOutput"] + costs["FibLookup"] + costs["IpOutput"] + per_byte_copy * MEASURED_IP_BYTES
nic = max(0.0, 1e9 / 253_000 - send_side)
row("NicTransmit", nic, 0.0,
    f"measurements.md D20-5: 253k pps single-stream UDP without encapsulation, 1/pps = {1e9 / 253_000:.0f} ns at the bottleneck (the sender's core), less this machine's measured send-side stages ({send_side:.0f} ns); different hardware: the weakest default, no physical NIC to measure here")
row("NicReceive", nic, 0.0, "taken equal to NicTransmit (no physical NIC here, and no traffic may leave the machine, so the receive side could not be measured)")
row("IpipEncapsulate", costs["VxlanEncapsulate"] * 20 / 50, 0.0,
    f"{M}: VxlanEncapsulate scaled by header bytes (20 of 50): IP-in-IP builds one outer header where VXLAN builds three and an inner Ethernet header; this kernel has no ipip module to measure")
row("IpipDecapsulate", costs["VxlanDecapsulate"] * 20 / 50, 0.0, f"{M}: VxlanDecapsulate scaled by header bytes (20 of 50), as IpipEncapsulate")
row("NftMapLookup", ct_lookup / 2, 0.0,
    f"{M}: one hash lookup of a concatenated key, taken as half a conntrack lookup (which hashes a longer key and checks state); an nftables vmap costs only new connections, so measuring it needs the churn mode with a map")
row("IpvsLookup", ct_lookup, 0.0, f"{M}: IPVS's connection hash lookup taken equal to conntrack's (both hash a 5-tuple into an RCU hash table); this kernel has no ip_vs to measure")
row("IpvsSchedule", new_extra, 0.0, f"{M}: choosing a real server and creating an IPVS connection taken equal to creating a conntrack entry; to be measured")
row("Fragment", costs["IpOutput"], 0.0, f"{M}: per fragment, one more IP output (a header built and a buffer split), as IpOutput")
row("Reassemble", costs["IpInput"], 0.0, f"{M}: per fragment, one more IP input (queued and merged by ip_defrag), as IpInput")
row("Icmp", costs["UdpOutput"], 0.0, f"{M}: building or handling an ICMP error taken as a UDP output (a small packet built or parsed)")

w = csv.writer(sys.stdout, lineterminator="\n")
w.writerow(["stage", "fixed_ns", "ns_per_byte", "source"])
for r in rows:
    w.writerow(r)

#!/usr/bin/env python3
"""Derives the TCP stages (TcpOutput, TcpInput, GsoSegment, GroReceive) from measure-tcp.sh's runs, and prints
the bulk-stream hold-out figures.

Method:
- TcpOutput + TcpInput: TCP ping-pong minus UDP ping-pong over the same veth pair (1-byte payloads, the same
  rep's runs paired, median over reps), halved for the two directions, plus the table's UdpOutput + UdpInput:
  NetPerf charges a TCP packet the same Syscall, FibLookup, IpOutput, VethTransmit, BacklogReceive, IpInput and
  SocketDeliver as a UDP one, so everything TCP does differently lands in the two TCP stages. Split between them
  by the TCP ping-pong's call-graph profile (attribute_tcp.py), TcpOutput : TcpInput; the TCP-only work outside
  both (tcp_recvmsg's extra, TCP timers) is spread over the two in the same proportion.
- GsoSegment: the software-GSO stream's profile share of __skb_gso_segment and everything under it x that
  stream's measured CPU per segment (segments = the sender's Tcp OutSegs).
- GroReceive: the GRO stream's (software GSO sender, receiving veth with gro on) profile share of napi_gro_receive
  and everything under it except the delivery of finished packets, x its CPU per segment into GRO.
Inputs: results-KERNEL-tcp.csv, profiles-KERNEL/tcp-*.csv, and the shipped table for UdpOutput/UdpInput.
Usage: derive_tcp.py KERNEL [cost-model.csv]   (prints proposed rows, then the hold-out figures, on stdout)
"""
import csv
import statistics as st
import sys
from pathlib import Path

HERE = Path(__file__).parent
KERNEL = sys.argv[1]
TABLE = Path(sys.argv[2]) if len(sys.argv) > 2 else HERE / "../../src/NetPerf.Network/Cpu/cost-model.csv"

table = {r["stage"]: (float(r["fixed_ns"]), float(r["ns_per_byte"])) for r in csv.DictReader(open(TABLE))}
runs = {}
for r in csv.DictReader(open(HERE / f"results-{KERNEL}-tcp.csv")):
    if r["rep"] != "median":
        runs.setdefault(r["test"], {})[int(r["rep"])] = r
CC = next(iter(next(iter(runs.values())).values()))["cc"]


def vals(test, col="ns_per_unit"):
    return [float(r[col]) for r in runs[test].values()]


def med(test, col="ns_per_unit"):
    return st.median(vals(test, col))


def paired(a, b, col="ns_per_unit"):
    return [float(runs[a][k][col]) - float(runs[b][k][col]) for k in runs[a] if k in runs[b]]


def profile(test):
    shares = {}
    for line in open(HERE / f"profiles-{KERNEL}" / f"tcp-{test}.csv"):
        k, v = line.strip().split(",")
        shares[k] = float(v)
    n = shares.pop("samples")
    shares.pop("dropped", None)
    sampled = shares.pop("sampled_ns")
    return {k: v / 100 for k, v in shares.items()}, int(n), sampled


def counts(test):
    return {k: v for k, v in (line.strip().split(",") for line in open(HERE / f"profiles-{KERNEL}" / f"tcp-{test}-counts.csv")) if k not in ("event",)}


def spread(xs):
    q = st.quantiles(xs, n=4)
    return q[0], q[2]


reps = len(runs["rr-tcp-1"])
count = int(next(iter(runs["rr-tcp-1"].values()))["units"])
stream_bytes = int(next(iter(runs["stream-offload"].values()))["units"])
M = f"measured on Linux {KERNEL} (tools/kernel-costs: measure-tcp.sh, veth pair between namespaces, one CPU, {CC}, median of {reps} interleaved runs)"
udp_pair = table["UdpOutput"][0] + table["UdpInput"][0]

# 1. TcpOutput + TcpInput
d1 = paired("rr-tcp-1", "rr-udp-1")
d1400 = paired("rr-tcp-1400", "rr-udp-1400")
D = st.median(d1)
pair = D / 2 + udp_pair
per_byte = st.median([b - a for a, b in zip(d1, d1400)]) / 1399 / 2
pb_lo, pb_hi = (x / 1399 / 2 for x in spread([b - a for a, b in zip(d1, d1400)]))
prof, nsamp, _ = profile("rr-tcp-1")
o, i = prof.get("TcpOutput", 0), prof.get("TcpInput", 0)
out_frac = o / (o + i)
segs = st.median([(int(r["a_out_segs"]) + int(r["b_out_segs"])) / 2 / int(r["units"]) for r in runs["rr-tcp-1"].values()])
RR = (f"{M}: TCP minus UDP 1-byte ping-pong ({med('rr-tcp-1'):.0f} - {med('rr-udp-1'):.0f} ns per transaction, paired runs: {D:.0f} ns, "
      f"{segs:.2f} segments each way, no pure ACKs) / 2 + UdpOutput + UdpInput = {pair:.0f} ns for both TCP stages, split {out_frac:.0%}/{1 - out_frac:.0%} "
      f"by that ping-pong's call-graph profile (tcp_sendmsg..tcp_transmit_skb vs tcp_v4_rcv..tcp_ack/tcp_data_queue); per byte: none measurable "
      f"(1400-byte minus 1-byte ping-pong, TCP minus UDP: {per_byte:+.3f} ns/byte, quartiles {pb_lo:+.3f}..{pb_hi:+.3f}; checksums stay CHECKSUM_PARTIAL on veth)")
rows = [("TcpOutput", pair * out_frac, 0.0, RR), ("TcpInput", pair * (1 - out_frac), 0.0, RR)]

# 2. GsoSegment: the profile run's own CPU in segmentation (share x the sampled CPU time) over the segments it
# produced (the tracepoint run's count; both runs send the same bytes). Cross-check: share x the timed runs' CPU.
gp, gn, gs = profile("stream-swgso")
gc = counts("stream-swgso")
gso_skbs = int(gc["net:net_dev_queue-data"])
gso_segs = int(gc["net:net_dev_start_xmit-data"])
gso_per_skb = gso_segs / gso_skbs
gso = gp["GsoSegment"] * gs / gso_segs
sw_ns_seg = med("stream-swgso") * stream_bytes / st.median([int(r["a_out_segs"]) for r in runs["stream-swgso"].values()])
gp2, _, gs2 = profile("stream-swgso-gro")
gso2 = gp2["GsoSegment"] * gs2 / int(counts("stream-swgso-gro")["net:net_dev_start_xmit-data"])
rows.append(("GsoSegment", gso, 0.0,
             f"{M}: bulk TCP stream whose sender's veth has tso off, so TCP's GSO packets ({gso_per_skb:.1f} segments each) are segmented in software: "
             f"{gp['GsoSegment']:.1%} of the stream's CPU in one profiled run ({gn} perf samples: __skb_gso_segment, skb_segment and the allocations under them) "
             f"over the {gso_segs:,} segments it produced (the GRO stream's sender gives {gso2:.0f} ns); headers are copied, payload pages are shared, so no per-byte part"))

# 3. GroReceive: the same, for napi_gro_receive and everything under it except the delivery of merged packets.
rp, rn, rs = profile("stream-swgso-gro")
rc = counts("stream-swgso-gro")
gro_in = int(rc["net:napi_gro_receive_entry-data"])
gro_out = int(rc["net:netif_receive_skb-data"])
gro = rp["GroReceive"] * rs / gro_in
gro_ns_seg = med("stream-swgso-gro") * stream_bytes / st.median([int(r["a_out_segs"]) for r in runs["stream-swgso-gro"].values()])
rows.append(("GroReceive", gro, 0.0,
             f"{M}: bulk TCP stream segmented in software by the sender and received by a veth with gro on (its NAPI path), {gro_in / gro_out:.1f} segments merged per packet: "
             f"{rp['GroReceive']:.1%} of the stream's CPU in one profiled run ({rn} perf samples: napi_gro_receive, dev_gro_receive, inet/tcp4_gro_receive, skb_gro_receive, "
             f"not the delivery of merged packets) over the {gro_in:,} segments into GRO; per segment received, no per-byte part (payload pages are chained, not copied)"))
print(f"# cross-check, profile share x the timed runs' median CPU per segment: GsoSegment {gp['GsoSegment'] * sw_ns_seg:.0f} ns ({sw_ns_seg:.0f} ns per segment), "
      f"GroReceive {rp['GroReceive'] * gro_ns_seg:.0f} ns ({gro_ns_seg:.0f} ns per segment); profiled runs' CPU per segment: swgso {gs / gso_segs:.0f}, gro {rs / gro_in:.0f}", file=sys.stderr)

w = csv.writer(sys.stdout, lineterminator="\n")
w.writerow(["stage", "fixed_ns", "ns_per_byte", "source"])
for s, f, b, src in rows:
    w.writerow((s, round(f, 1), round(b, 3), src))

print()
print("# spread: paired TCP-UDP ping-pong difference per transaction, 1-byte: median %.0f, quartiles %.0f..%.0f; 1400-byte: median %.0f" % (D, *spread(d1), st.median(d1400)))
for t in runs:
    v = vals(t)
    lo, hi = spread(v)
    print(f"# {t}: median {st.median(v):.4f} ns/unit, quartiles {lo:.4f}..{hi:.4f} ({(hi - lo) / st.median(v):.1%}), min {min(v):.4f} max {max(v):.4f}; "
          f"own-process CPU median {med(t, 'proc_ns_per_unit'):.4f}")
print()
print("test,ns_per_byte,ns_per_segment,segments,sender_skbs,receiver_skbs,acks,payload_per_segment,segs_per_sender_skb,segs_per_receiver_skb")
for t in ("stream-offload", "stream-nogso", "stream-swgso", "stream-swgso-gro"):
    r = runs[t].values()
    segs = st.median([int(x["a_out_segs"]) for x in r])
    c = counts(t)
    skbs = int(c["net:net_dev_queue-data"])
    rskbs = st.median([int(x["b_in_segs"]) for x in r])
    acks = st.median([int(x["b_out_segs"]) for x in r])
    nb = med(t)
    print(f"{t},{nb:.4f},{nb * stream_bytes / segs:.0f},{segs:.0f},{skbs} (profile run),{rskbs:.0f},{acks:.0f},{stream_bytes / segs:.1f},"
          f"{int(c['net:net_dev_start_xmit-data']) / skbs if t != 'stream-offload' else segs / st.median([int(x['a_tx_packets']) for x in r]):.1f},{segs / rskbs:.1f}")

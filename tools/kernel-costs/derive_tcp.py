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


def profile(test, rep):
    """One profiled run: stage shares (fractions of the workload's samples), sample count, sampled CPU ns."""
    shares = {}
    for line in open(HERE / f"profiles-{KERNEL}" / f"tcp-{test}-{rep}.csv"):
        k, v = line.strip().split(",")
        shares[k] = float(v)
    n = shares.pop("samples")
    shares.pop("dropped", None)
    sampled = shares.pop("sampled_ns")
    return {k: v / 100 for k, v in shares.items()}, int(n), sampled


def counts(test, rep):
    return {k: v for k, v in (line.strip().split(",") for line in open(HERE / f"profiles-{KERNEL}" / f"tcp-{test}-{rep}-counts.csv")) if k != "event"}


PREPS = sorted({int(p.stem.split("-")[-1]) for p in (HERE / f"profiles-{KERNEL}").glob("tcp-rr-tcp-1-*[0-9].csv")})


def per_rep(test, stage, counter):
    """Per profiled run: the stage's share x the run's sampled CPU / the same rep's tracepoint count."""
    out = []
    for r in PREPS:
        sh, n, ns = profile(test, r)
        out.append((sh.get(stage, 0.0) * ns / int(counts(test, r)[counter]), sh.get(stage, 0.0), n))
    return out


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
splits, nsamp = [], 0
for r in PREPS:
    sh, n, _ = profile("rr-tcp-1", r)
    splits.append(sh["TcpOutput"] / (sh["TcpOutput"] + sh["TcpInput"]))
    nsamp += n
out_frac = st.median(splits)
segs = st.median([(int(r["a_out_segs"]) + int(r["b_out_segs"])) / 2 / int(r["units"]) for r in runs["rr-tcp-1"].values()])
RR = (f"{M}: TCP minus UDP 1-byte ping-pong ({med('rr-tcp-1'):.0f} - {med('rr-udp-1'):.0f} ns per transaction, paired runs: {D:.0f} ns, "
      f"{segs:.2f} segments each way, no pure ACKs) / 2 + UdpOutput + UdpInput = {pair:.0f} ns for both TCP stages, split {out_frac:.0%}/{1 - out_frac:.0%} "
      f"by that ping-pong's call-graph profile (median of {len(PREPS)} runs, {nsamp} samples: tcp_sendmsg..tcp_transmit_skb vs tcp_v4_rcv..tcp_ack/tcp_data_queue); per byte: none measurable "
      f"(1400-byte minus 1-byte ping-pong, TCP minus UDP: {per_byte:+.3f} ns/byte, quartiles {pb_lo:+.3f}..{pb_hi:+.3f}; checksums stay CHECKSUM_PARTIAL on veth)")
rows = [("TcpOutput", pair * out_frac, 0.0, RR), ("TcpInput", pair * (1 - out_frac), 0.0, RR)]

# 2. GsoSegment: per profiled run, the CPU sampled in segmentation over the segments produced (the same rep's
# tracepoint run; both runs send the same bytes); the median over runs. Cross-check: the GRO stream's sender.
gso_runs = per_rep("stream-swgso", "GsoSegment", "net:net_dev_start_xmit-data")
gso_runs2 = per_rep("stream-swgso-gro", "GsoSegment", "net:net_dev_start_xmit-data")
gso = st.median(x[0] for x in gso_runs)
gso_per_skb = st.median(int(counts("stream-swgso", r)["net:net_dev_start_xmit-data"]) / int(counts("stream-swgso", r)["net:net_dev_queue-data"]) for r in PREPS)
rows.append(("GsoSegment", gso, 0.0,
             f"{M}: bulk TCP stream whose sender's veth has tso off, so TCP's GSO packets (median {gso_per_skb:.1f} segments each) are segmented in software; "
             f"CPU sampled in __skb_gso_segment, skb_segment and the allocations under them ({st.median(x[1] for x in gso_runs):.1%} of the stream's CPU) over the segments produced, "
             f"median of {len(PREPS)} profiled runs ({', '.join(f'{x[0]:.0f}' for x in gso_runs)} ns; the GRO stream's sender: {', '.join(f'{x[0]:.0f}' for x in gso_runs2)}); "
             f"headers are copied, payload pages shared, so no per-byte part"))

# 3. GroReceive: the same for napi_gro_receive and everything under it except the delivery of merged packets.
gro_runs = per_rep("stream-swgso-gro", "GroReceive", "net:napi_gro_receive_entry-data")
gro = st.median(x[0] for x in gro_runs)
merged = st.median(int(counts("stream-swgso-gro", r)["net:napi_gro_receive_entry-data"]) / int(counts("stream-swgso-gro", r)["net:netif_receive_skb-data"]) for r in PREPS)
rows.append(("GroReceive", gro, 0.0,
             f"{M}: bulk TCP stream segmented in software by the sender, received by a veth with gro on (its NAPI path), median {merged:.1f} segments merged per packet; "
             f"CPU sampled in napi_gro_receive, dev_gro_receive, inet/tcp4_gro_receive, skb_gro_receive and under them, not the delivery of merged packets "
             f"({st.median(x[1] for x in gro_runs):.1%} of the stream's CPU) over the segments into GRO, median of {len(PREPS)} profiled runs "
             f"({', '.join(f'{x[0]:.0f}' for x in gro_runs)} ns); per segment received, no per-byte part (payload pages are chained, not copied)"))
sw_ns_seg = med("stream-swgso") * stream_bytes / st.median([int(r["a_out_segs"]) for r in runs["stream-swgso"].values()])
gro_ns_seg = med("stream-swgso-gro") * stream_bytes / st.median([int(r["a_out_segs"]) for r in runs["stream-swgso-gro"].values()])
print(f"# cross-check, median profile share x the timed runs' median CPU per segment: GsoSegment {st.median(x[1] for x in gso_runs) * sw_ns_seg:.0f} ns "
      f"({sw_ns_seg:.0f} ns per segment), GroReceive {st.median(x[1] for x in gro_runs) * gro_ns_seg:.0f} ns ({gro_ns_seg:.0f} ns per segment)", file=sys.stderr)

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
print("# sender_skbs: packets TCP handed to IP (net_dev_queue, median of the profiled runs); receiver_skbs: InSegs, packets reaching TCP")
print("test,ns_per_byte,ns_per_segment,segments,sender_skbs,receiver_skbs,acks,payload_per_segment,segs_per_sender_skb,segs_per_receiver_skb")
for t in ("stream-offload", "stream-nogso", "stream-swgso", "stream-swgso-gro"):
    r = runs[t].values()
    segs = st.median([int(x["a_out_segs"]) for x in r])
    skbs = st.median(int(counts(t, r)["net:net_dev_queue-data"]) for r in PREPS)
    xmit = st.median(int(counts(t, r)["net:net_dev_start_xmit-data"]) for r in PREPS)
    rskbs = st.median([int(x["b_in_segs"]) for x in r])
    acks = st.median([int(x["b_out_segs"]) for x in r])
    nb = med(t)
    print(f"{t},{nb:.4f},{nb * stream_bytes / segs:.0f},{segs:.0f},{skbs:.0f},{rskbs:.0f},{acks:.0f},{stream_bytes / segs:.1f},"
          f"{xmit / skbs if t != 'stream-offload' else segs / st.median([int(x['a_tx_packets']) for x in r]):.1f},{segs / rskbs:.1f}")

# The same stages summed as NetPerf would charge them, per segment, for the two hold-out streams: per packet TCP
# hands to IP, TcpOutput + FibLookup + IpOutput + VethTransmit; per packet reaching TCP, BacklogReceive + IpInput +
# FibLookup + TcpInput (+ SocketDeliver if charged per data packet); the ACKs likewise; a Syscall per 64 KiB write
# and per 64 KiB read (at least), and the Syscall per-byte copy twice.
cost = {k: v[0] for k, v in table.items()}
cost.update({s_: f for s_, f, _, _ in rows})
pb = table["Syscall"][1]
for t in ("stream-offload", "stream-nogso"):
    r = list(runs[t].values())
    segs = st.median([int(x["a_out_segs"]) for x in r])
    tx = st.median(int(counts(t, q)["net:net_dev_queue-data"]) for q in PREPS)
    rx = st.median([int(x["b_in_segs"]) for x in r])
    acks = st.median([int(x["b_out_segs"]) for x in r])
    out = cost["TcpOutput"] + cost["FibLookup"] + cost["IpOutput"] + cost["VethTransmit"]
    inp = cost["BacklogReceive"] + cost["IpInput"] + cost["FibLookup"] + cost["TcpInput"]
    sys_ = 2 * stream_bytes / 65536 * cost["Syscall"] + 2 * pb * stream_bytes
    base = tx * out + rx * inp + acks * (out + inp) + sys_
    meas = med(t) * stream_bytes
    print(f"# {t}: measured {meas / segs:.0f} ns per segment; stage sum {base / segs:.0f} ns ({base / meas - 1:+.0%}), "
          f"{(base + rx * cost['SocketDeliver']) / segs:.0f} ns ({(base + rx * cost['SocketDeliver']) / meas - 1:+.0%}) with SocketDeliver per data packet; "
          f"of which copies {2 * pb * stream_bytes / segs:.0f} ns")
print("# TcpOutput share of TcpOutput+TcpInput per profiled ping-pong run:", ", ".join(f"{x:.3f}" for x in splits))
for t in ("rr-tcp-1", "rr-udp-1"):
    agg = {}
    for q in PREPS:
        for k, v in profile(t, q)[0].items():
            agg.setdefault(k, []).append(v)
    print(f"# {t} per packet by stack attribution (median share x median CPU / 2): " + ", ".join(f"{k} {st.median(v) * med(t) / 2:.0f}" for k, v in sorted(agg.items(), key=lambda kv: -st.median(kv[1]))))

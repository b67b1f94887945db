#!/usr/bin/env bash
# Measures the Linux kernel's CPU time for TCP over a veth pair between two namespaces, to derive NetPerf's TCP
# stages (TcpOutput, TcpInput, GsoSegment, GroReceive) and a bulk-stream hold-out. Same method as measure.sh:
# every process pinned to one CPU, CPU time = that CPU's busy time (user, nice, system, irq, softirq from
# /proc/stat) over the run, median of REPS runs. Also recorded, as a cross-check that ignores other processes
# on a shared machine: the workload's own CPU time (getrusage of both ends + ksoftirqd's sum_exec_runtime).
# Runs are interleaved (each rep runs every test once) so that a slow phase of the machine hits all tests.
# Tests (TESTS=...):
#   rr-tcp-1, rr-udp-1, rr-tcp-1400, rr-udp-1400  ping-pong, COUNT transactions of a <size>-byte request and
#       response (TCP_NODELAY; UDP unconnected like udpblast); per transaction, and TCP segments per transaction
#       each way from /proc/net/snmp (no pure ACKs: they ride on the responses)
#   stream-offload     bulk TCP stream, BYTES in 64 KiB writes, default veth features (TSO/GSO on, GRO off):
#                      GSO super-packets cross the veth unsegmented
#   stream-nogso       the sender's veth with tso off gso off gso_max_segs 1: TCP builds MSS-sized packets, each
#                      walks the whole stack (tso/gso off alone is not enough: TCP still builds GSO packets)
#   stream-swgso       the sender's veth with tso off (gso on): TCP builds GSO packets, segmented in software
#                      (__skb_gso_segment) before the veth; the receiver takes every segment (GRO off)
#   stream-swgso-gro   as stream-swgso, the receiving veth with gro on (veth's NAPI + GRO path)
# PROFILE=1: instead of timing, PROFILE_REPS (3) times for each test: one run under perf stat (tracepoints: skbs
#   queued, skbs handed to the driver, skbs into GRO, skbs into the stack; data-sized only) and one under perf
#   record -g (cpu-clock, the measured CPU), attributed by attribute_tcp.py; written to
#   profiles-KERNEL/tcp-TEST-N.csv and tcp-TEST-N-counts.csv (tcp-TEST-CC-N... when CC is not cubic).
# Needs root, iproute2, ethtool, gcc, perf. Only the two namespaces it creates see traffic; deleted at exit.
# Usage: sudo tools/kernel-costs/measure-tcp.sh [count=200000] [reps=9]   (prints CSV on stdout)
#        env: BYTES (per stream run, 2000000000), TESTS, CPU (0), CC (cubic), PROFILE, PROFILE_REPS (3)
set -euo pipefail
COUNT=${1:-200000}
REPS=${2:-9}
BYTES=${BYTES:-2000000000}
CPU=${CPU:-0}
# The congestion control of every TCP socket (this machine's default is bbr, which paces with a timer per skb
# when the qdisc is not fq; cubic, Linux's default, does not pace). Per socket, as the namespaces may only pick
# from net.ipv4.tcp_allowed_congestion_control.
export TCPBLAST_CC=${CC:-cubic}
TESTS=${TESTS:-rr-tcp-1 rr-udp-1 rr-tcp-1400 rr-udp-1400 stream-offload stream-nogso stream-swgso stream-swgso-gro}
HERE=$(cd "$(dirname "$0")" && pwd)
WORK=$(mktemp -d)
BLAST=$WORK/tcpblast
gcc -O2 -o "$BLAST" "$HERE/tcpblast.c"
NS=(np-a np-b)
cleanup() { for n in "${NS[@]}"; do ip netns del "$n" 2>/dev/null || true; done; rm -rf "$WORK"; }
trap cleanup EXIT
KSOFT=$(pgrep -x "ksoftirqd/$CPU")

busy() { awk -v c="cpu$CPU" '$1 == c { print $2 + $3 + $4 + $7 + $8 }' /proc/stat; }
tick_ns=$(( 1000000000 / $(getconf CLK_TCK) ))
ksoft_ns() { awk '{ print $1 }' "/proc/$KSOFT/schedstat"; }
# counters NS -> "InSegs OutSegs veth-tx-packets veth-rx-packets" of that namespace
counters() {
    ip netns exec "$1" sh -c 'awk "/^Tcp:/ { if (h) printf \"%s %s \", \$11, \$12; h = 1 }" /proc/net/snmp;
        cat /sys/class/net/eth0/statistics/tx_packets /sys/class/net/eth0/statistics/rx_packets | tr "\n" " "'
}

setup() { # setup TEST: the veth pair of measure.sh, with the test's offloads
    for n in "${NS[@]}"; do ip netns del "$n" 2>/dev/null || true; ip netns add "$n"; ip -n "$n" link set lo up; done
    ip link add np-tmp1 type veth peer name np-tmp2
    ip link set np-tmp1 netns np-a; ip link set np-tmp2 netns np-b
    ip -n np-a link set np-tmp1 name eth0; ip -n np-b link set np-tmp2 name eth0
    ip -n np-a link set eth0 up; ip -n np-b link set eth0 up
    ip -n np-a addr add 10.0.0.1/24 dev eth0; ip -n np-b addr add 10.0.0.2/24 dev eth0
    case "$1" in
    # TCP always builds GSO packets (since Linux 4.17), whatever the device's gso flag: gso_max_segs 1 makes it
    # build one MSS per skb instead, so TCP and IP output run per segment and nothing is segmented.
    stream-nogso) ip netns exec np-a ethtool -K eth0 tso off gso off; ip -n np-a link set dev eth0 gso_max_segs 1 ;;
    stream-swgso) ip netns exec np-a ethtool -K eth0 tso off ;;
    stream-swgso-gro) ip netns exec np-a ethtool -K eth0 tso off; ip netns exec np-b ethtool -K eth0 gro on ;;
    esac
    # Warm the neighbour caches so no ARP runs during the measurement.
    ip netns exec np-b "$BLAST" server udp 10.0.0.2 9 1 "$CPU" >/dev/null &
    sleep 0.2; ip netns exec np-a "$BLAST" rr udp 10.0.0.2 9 10 1 "$CPU" >/dev/null; wait
}

# start TEST PORT: starts the receiving end in np-b (background; its output in $WORK/srv)
start() {
    case "$1" in
    rr-*) local proto size; proto=$(cut -d- -f2 <<<"$1"); size=$(cut -d- -f3 <<<"$1")
        ip netns exec np-b "$BLAST" server "$proto" 10.0.0.2 "$2" "$size" "$CPU" >"$WORK/srv" & ;;
    stream-*) ip netns exec np-b "$BLAST" sink 10.0.0.2 "$2" "$CPU" >"$WORK/srv" & ;;
    esac
    SRV=$!
    sleep 0.2
}
# drive TEST PORT: runs the sending end in np-a (foreground; its output in $WORK/cli)
drive() {
    case "$1" in
    rr-*) local proto size; proto=$(cut -d- -f2 <<<"$1"); size=$(cut -d- -f3 <<<"$1")
        ip netns exec np-a "$BLAST" rr "$proto" 10.0.0.2 "$2" "$COUNT" "$size" "$CPU" >"$WORK/cli" ;;
    stream-*) ip netns exec np-a "$BLAST" stream 10.0.0.2 "$2" "$BYTES" 65536 "$CPU" >"$WORK/cli" ;;
    esac
}

if [ -n "${PROFILE:-}" ]; then
    OUT=$HERE/profiles-$(uname -r)
    mkdir -p "$OUT"
    SUFFIX=$([ "$TCPBLAST_CC" = cubic ] || echo "-$TCPBLAST_CC")
    port=6000
    for rep in $(seq "${PROFILE_REPS:-3}"); do
    for t in $TESTS; do
        setup "$t"
        # 1. tracepoint counts (data-sized skbs only, len > 200: the ACK direction is left out)
        port=$((port + 1)); start "$t" "$port"
        F='len > 200'
        perf stat -x, -C "$CPU" -o "$WORK/stat" -e net:net_dev_queue --filter "$F" -e net:net_dev_start_xmit --filter "$F" \
            -e net:napi_gro_receive_entry --filter "$F" -e net:netif_receive_skb --filter "$F" -e net:netif_receive_skb \
            -- bash -c "$(declare -f drive); BLAST=$BLAST CPU=$CPU COUNT=$COUNT BYTES=$BYTES WORK=$WORK drive $t $port"
        wait "$SRV"
        { echo "event,count"; grep -v '^#' "$WORK/stat" | awk -F, 'NF > 3 { n[$3]++; e = $3 (n[$3] > 1 ? "-all" : "-data"); print e "," $1 }'
          echo "units,$(cut -d' ' -f1 "$WORK/cli")"; echo "cc,$TCPBLAST_CC"; } | grep -v '^,' >"$OUT/tcp-$t$SUFFIX-$rep-counts.csv"
        # 2. call-graph profile of the measured CPU while the test runs
        port=$((port + 1)); start "$t" "$port"
        # All CPUs (-a), then only the measured one's samples: with -C alone perf misses the exec (comm) event of a
        # process that exec'd on another CPU and names its samples after its parent (bash, ip).
        perf record -q -g -a -e cpu-clock -o "$WORK/perf.data" -- sleep 3600 2>/dev/null &
        rec=$!
        sleep 0.5
        drive "$t" "$port"
        kill -INT "$rec"; wait "$rec" || true
        wait "$SRV"
        perf script -i "$WORK/perf.data" --cpu "$CPU" -F comm,period,ip,sym 2>/dev/null | "$HERE/attribute_tcp.py" >"$OUT/tcp-$t$SUFFIX-$rep.csv"
        echo "profiled $t ($TCPBLAST_CC) #$rep: $(tail -3 "$OUT/tcp-$t$SUFFIX-$rep.csv" | tr '\n' ' ')" >&2
    done
    done
    exit 0
fi

# Interleaved: each rep runs every test once (fresh namespaces each time), so slow phases of a shared machine
# fall on all tests alike; the medians follow the per-run rows.
echo "test,rep,payload_bytes,units,ns_per_unit,proc_ns_per_unit,wall_s,a_in_segs,a_out_segs,b_in_segs,b_out_segs,a_tx_packets,b_rx_packets,cc,kernel"
port=5000
declare -A samples psamples
for rep in $(seq "$REPS"); do
    for t in $TESTS; do
        setup "$t"
        case "$t" in rr-*) size=$(cut -d- -f3 <<<"$t") ;; *) size=$BYTES ;; esac
        port=$((port + 1)); start "$t" "$port"
        read -r ai0 ao0 at0 ar0 <<<"$(counters np-a)"; read -r bi0 bo0 bt0 br0 <<<"$(counters np-b)"
        k0=$(ksoft_ns); b0=$(busy); s0=$(date +%s%N)
        drive "$t" "$port"
        wait "$SRV"
        b1=$(busy); s1=$(date +%s%N); k1=$(ksoft_ns)
        read -r ai1 ao1 at1 ar1 <<<"$(counters np-a)"; read -r bi1 bo1 bt1 br1 <<<"$(counters np-b)"
        read -r units ccpu <"$WORK/cli"; read -r served scpu <"$WORK/srv"
        case "$t" in
        rr-*) [ "$served" -eq "$COUNT" ] || { echo "$t: served $served of $COUNT" >&2; continue; } ;;
        stream-*) [ "$served" -eq "$BYTES" ] || { echo "$t: received $served of $BYTES" >&2; continue; } ;;
        esac
        ns=$(( (b1 - b0) * tick_ns )); pns=$(( ccpu + scpu + k1 - k0 ))
        per=$(awk -v a="$ns" -v u="$units" 'BEGIN { printf "%.4f", a / u }')
        pper=$(awk -v a="$pns" -v u="$units" 'BEGIN { printf "%.4f", a / u }')
        samples[$t]+="$per "; psamples[$t]+="$pper "
        echo "$t,$rep,$size,$units,$per,$pper,$(awk -v a="$s0" -v b="$s1" 'BEGIN { printf "%.2f", (b - a) / 1e9 }'),$((ai1 - ai0)),$((ao1 - ao0)),$((bi1 - bi0)),$((bo1 - bo0)),$((at1 - at0)),$((br1 - br0)),$TCPBLAST_CC,$(uname -r)"
    done
done
med() { printf '%s\n' $1 | sort -g | awk '{ a[NR] = $1 } END { print (NR ? a[int((NR + 1) / 2)] : "NA") }'; }
for t in $TESTS; do
    case "$t" in rr-*) size=$(cut -d- -f3 <<<"$t") ;; *) size=$BYTES ;; esac
    echo "$t,median,$size,,$(med "${samples[$t]:-}"),$(med "${psamples[$t]:-}"),,,,,,,,$TCPBLAST_CC,$(uname -r)"
done

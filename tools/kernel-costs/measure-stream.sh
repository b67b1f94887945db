#!/usr/bin/env bash
# Where a bulk TCP stream's CPU per KiB goes on the paths of `netperf calibrate`'s testbeds: loopback, one veth
# pair, a bridge, a router, VXLAN between two routers (the same namespaces, addresses and devices as
# src/NetPerf.Calibration/Paths/TestbedLab.cs), with calibrate's own probe (npprobe stream/sink: 64 KiB writes,
# the machine's default congestion control, both ends pinned to one CPU).
# Per run: goodput, the CPU's busy time per KiB (/proc/stat, as calibrate), and what the kernel made of the
# bytes: data segments sent (the sender's Tcp OutSegs, which counts a GSO packet's segments), pure ACKs (the
# receiver's OutSegs), skbs the sender's first device transmitted and the receiver's eth0 received (super-packets
# and their size), and the receiver's segments per skb. Runs are interleaved (each rep builds and runs every
# topology once). PROFILE=1 adds, per topology, one run under perf record -g (cpu-clock, the measured CPU only),
# attributed by attribute_stream.py, and an `ss -ti` snapshot of both ends mid-stream.
# Needs root, iproute2, gcc, perf (PROFILE). Everything it makes (namespaces np-s*, a temp dir) is removed at exit.
# Usage: sudo tools/kernel-costs/measure-stream.sh [milliseconds=2000] [reps=5] > results-KERNEL-stream.csv
#        env: TOPOLOGIES (lo veth bridge routed vxlan), CPU (1), GSO, CC, PROFILE, OUT (profiles dir), KEEP (dir for perf script text)
set -euo pipefail
MS=${1:-2000}
REPS=${2:-5}
CPU=${CPU:-1}
TOPOLOGIES=${TOPOLOGIES:-lo veth bridge routed vxlan}
HERE=$(cd "$(dirname "$0")" && pwd)
PROBE_SRC=$HERE/../../src/NetPerf.Calibration/Probe/npprobe.c
WORK=$(mktemp -d)
NS=(np-sa np-sb np-sr np-sr2)
cleanup() { for n in "${NS[@]}"; do ip netns del "$n" 2>/dev/null || true; done; rm -rf "$WORK"; }
trap cleanup EXIT INT TERM
gcc -O2 -o "$WORK/npprobe" "$PROBE_SRC"
P=$WORK/npprobe

veth() { # veth NS1 DEV1 NS2 DEV2
    ip link add np-t1 type veth peer name np-t2
    ip link set np-t1 netns "$1"; ip link set np-t2 netns "$3"
    ip -n "$1" link set np-t1 name "$2"; ip -n "$3" link set np-t2 name "$4"
    ip -n "$1" link set "$2" up; ip -n "$3" link set "$4" up
}
# setup TOPO: prints "server-ns client-ns target sender-dev receiver-dev"
setup() {
    for n in "${NS[@]}"; do ip netns del "$n" 2>/dev/null || true; done
    for n in np-sa np-sb; do ip netns add "$n"; ip -n "$n" link set lo up; done
    case "$1" in
    lo) echo "np-sa np-sa 127.0.0.1 lo lo" ;;
    veth) veth np-sa eth0 np-sb eth0
        ip -n np-sa addr add 10.0.0.1/24 dev eth0; ip -n np-sb addr add 10.0.0.2/24 dev eth0
        echo "np-sb np-sa 10.0.0.2 eth0 eth0" ;;
    bridge) ip netns add np-sr; ip -n np-sr link set lo up
        veth np-sa eth0 np-sr pa; veth np-sb eth0 np-sr pb
        ip -n np-sr link add br0 type bridge; ip -n np-sr link set br0 up
        ip -n np-sr link set pa master br0; ip -n np-sr link set pb master br0
        ip netns exec np-sr sysctl -qw net.bridge.bridge-nf-call-iptables=0 2>/dev/null || true
        ip -n np-sa addr add 10.0.0.1/24 dev eth0; ip -n np-sb addr add 10.0.0.2/24 dev eth0
        echo "np-sb np-sa 10.0.0.2 eth0 eth0" ;;
    routed|vxlan)
        ip netns add np-sr; ip -n np-sr link set lo up
        local r2=np-sr
        if [ "$1" = vxlan ]; then ip netns add np-sr2; ip -n np-sr2 link set lo up; r2=np-sr2; fi
        veth np-sa eth0 np-sr ra; veth np-sb eth0 "$r2" rb
        ip -n np-sa addr add 10.0.1.1/24 dev eth0; ip -n np-sr addr add 10.0.1.254/24 dev ra
        ip -n np-sb addr add 10.0.2.1/24 dev eth0; ip -n "$r2" addr add 10.0.2.254/24 dev rb
        ip -n np-sa route add default via 10.0.1.254; ip -n np-sb route add default via 10.0.2.254
        ip netns exec np-sr sysctl -qw net.ipv4.ip_forward=1
        if [ "$1" = vxlan ]; then
            ip netns exec np-sr2 sysctl -qw net.ipv4.ip_forward=1
            veth np-sr u1 np-sr2 u2
            ip -n np-sr addr add 192.168.9.1/30 dev u1; ip -n np-sr2 addr add 192.168.9.2/30 dev u2
            ip -n np-sr link add vx0 type vxlan id 1 dstport 8472 local 192.168.9.1 dev u1 nolearning
            ip -n np-sr2 link add vx0 type vxlan id 1 dstport 8472 local 192.168.9.2 dev u2 nolearning
            for n in np-sr np-sr2; do ip -n "$n" link set vx0 mtu 1450 up; done
            ip -n np-sr addr add 10.9.0.1/24 dev vx0; ip -n np-sr2 addr add 10.9.0.2/24 dev vx0
            local m1 m2; m1=$(ip netns exec np-sr cat /sys/class/net/vx0/address)
            m2=$(ip netns exec np-sr2 cat /sys/class/net/vx0/address)
            ip -n np-sr neigh add 10.9.0.2 lladdr "$m2" dev vx0 nud permanent
            ip -n np-sr2 neigh add 10.9.0.1 lladdr "$m1" dev vx0 nud permanent
            ip netns exec np-sr bridge fdb append "$m2" dev vx0 dst 192.168.9.2
            ip netns exec np-sr2 bridge fdb append "$m1" dev vx0 dst 192.168.9.1
            ip -n np-sr route add 10.0.2.0/24 via 10.9.0.2 dev vx0
            ip -n np-sr2 route add 10.0.1.0/24 via 10.9.0.1 dev vx0
        fi
        echo "np-sb np-sa 10.0.2.1 eth0 eth0" ;;
    *) echo "unknown topology $1" >&2; exit 2 ;;
    esac
    # GSO=bytes caps the super-packets TCP builds (the sender's first device's gso_max_size): CPU per KiB against
    # 1 / super-packet size splits a path's cost into per super-packet and per byte. CC=name sets the namespaces'
    # congestion control (the machine's default otherwise, as calibrate runs).
    local dev=eth0; [ "$1" = lo ] && dev=lo
    [ -n "${GSO:-}" ] && ip -n np-sa link set dev "$dev" gso_max_size "$GSO"
    if [ -n "${CC:-}" ]; then for n in np-sa np-sb; do ip netns exec "$n" sysctl -qw net.ipv4.tcp_congestion_control="$CC"; done; fi
    return 0
}
# counters NS DEV -> "InSegs OutSegs RetransSegs tx_packets tx_bytes rx_packets rx_bytes"
counters() {
    ip netns exec "$1" sh -c "awk '/^Tcp:/ { if (h) printf \"%s %s %s \", \$11, \$12, \$13; h = 1 }' /proc/net/snmp;
        d=/sys/class/net/$2/statistics; echo \$(cat \$d/tx_packets \$d/tx_bytes \$d/rx_packets \$d/rx_bytes)"
}
field() { awk -v k="$1" '{ for (i = 1; i < NF; i++) if ($i == k) print $(i + 1) }' <<<"$2"; }

# run TOPO PORT [wrapper...]: one stream; prints the CSV fields after "topology,rep"
run() {
    local topo=$1 port=$2; shift 2
    read -r srv cli target sdev rdev <<<"$(setup "$topo")"
    # Warm-up: neighbours resolved, a short stream (the probe's own first tenth is unmeasured as well).
    ip netns exec "$srv" "$P" sink "$target" "$((port + 1))" "$CPU" >/dev/null & local w=$!
    sleep 0.1; ip netns exec "$cli" "$P" stream "$target" "$((port + 1))" 100 65536 "$CPU" >/dev/null; wait "$w"
    ip netns exec "$srv" "$P" sink "$target" "$port" "$CPU" >"$WORK/srv" & local s=$!
    sleep 0.1
    local c0 r0 c1 r1
    c0=$(counters "$cli" "$sdev"); r0=$(counters "$srv" "$rdev")
    "$@" ip netns exec "$cli" "$P" stream "$target" "$port" "$MS" 65536 "$CPU" >"$WORK/cli"
    wait "$s"
    c1=$(counters "$cli" "$sdev"); r1=$(counters "$srv" "$rdev")
    local out; out=$(cat "$WORK/cli")
    local bytes wall busy steal
    bytes=$(field bytes "$out"); wall=$(field wall_ns "$out"); busy=$(field busy_ns "$out"); steal=$(field steal_ns "$out")
    read -r ci0 co0 cr0 ctp0 ctb0 crp0 crb0 <<<"$c0"; read -r ci1 co1 cr1 ctp1 ctb1 crp1 crb1 <<<"$c1"
    read -r ri0 ro0 rr0 rtp0 rtb0 rrp0 rrb0 <<<"$r0"; read -r ri1 ro1 rr1 rtp1 rtb1 rrp1 rrb1 <<<"$r1"
    # Counters cover the whole run (warm tenth included); ratios use them, CPU and goodput the probe's measured part.
    local dsegs=$((co1 - co0)) acks=$((ro1 - ro0)) rsegs=$((ri1 - ri0)) retr=$((cr1 - cr0))
    local txskb=$((ctp1 - ctp0)) txb=$((ctb1 - ctb0)) rxskb=$((rrp1 - rrp0)) rxb=$((rrb1 - rrb0))
    [ "$topo" = lo ] && { txskb=$(( (ctp1 - ctp0) )); rxskb=0; rxb=0; }
    awk -v b="$bytes" -v w="$wall" -v u="$busy" -v st="$steal" -v d="$dsegs" -v a="$acks" -v rs="$rsegs" -v re="$retr" \
        -v ts="$txskb" -v tb="$txb" -v rk="$rxskb" -v rb="$rxb" 'BEGIN {
        kib = b / 1024; tot = d > 0 ? d : 1
        printf "%.0f,%.0f,%.0f,%.0f,%.2f,%.3f,%.0f,%.0f,%.0f,%.0f,%.0f,%.0f,%.0f,%.1f,%.2f,%.1f,%.2f\n", b, w, u, st, u / kib, b * 8 / w,
            d, a, re, ts, tb, rk, rb, (ts ? tb / ts : 0), (a ? d / a : 0), (rk ? rb / rk : 0), (rk ? rs / rk : 0) }'
}

if [ -n "${COUNT:-}" ]; then
    # COUNT=1: per topology, one run under perf stat on the measured CPU: timers started and expired (TCP's pacing
    # timer is an hrtimer), local timer interrupts, softirqs run (NET_RX, TIMER, HRTIMER, TASKLET), per skb sent.
    echo "topology,gso_max,cc,event,count,per_tx_skb,ns_per_kib,tx_skbs"
    port=7300
    cc=${CC:-$(sysctl -n net.ipv4.tcp_congestion_control)}
    for t in $TOPOLOGIES; do
        port=$((port + 2))
        row=$(run "$t" "$port" perf stat -x, -C "$CPU" -o "$WORK/stat" -e timer:hrtimer_start -e timer:hrtimer_expire_entry \
            -e irq_vectors:local_timer_entry -e irq:softirq_entry --filter 'vec == 3' -e irq:softirq_entry --filter 'vec == 8' -e irq:softirq_entry --filter 'vec == 6' --)
        IFS=, read -r _ _ _ _ npk _ _ _ _ txs _ <<<"$row"
        grep -v '^#' "$WORK/stat" | awk -F, -v t="$t" -v g="${GSO:-65536}" -v cc="$cc" -v s="$txs" -v k="$npk" 'NF > 3 {
            e = $3; if (e == "irq:softirq_entry") { n++; e = (n == 1 ? "softirq-net-rx" : n == 2 ? "softirq-hrtimer" : "softirq-tasklet") }
            printf "%s,%s,%s,%s,%s,%.3f,%s,%s\n", t, g, cc, e, $1, $1 / s, k, s }'
    done
    exit 0
fi

if [ -n "${PROFILE:-}" ]; then
    OUT=${OUT:-$HERE/profiles-$(uname -r)}
    mkdir -p "$OUT"
    port=7100
    for t in $TOPOLOGIES; do
        port=$((port + 2))
        # All CPUs (-a), then only the measured one's samples: with -C alone perf misses the exec (comm) event of a
        # process that exec'd on another CPU and names its samples after its parent (bash, ip).
        perf record -q -g -a -F 4000 -e cpu-clock -o "$WORK/perf.data" -- sleep 3600 2>/dev/null & rec=$!
        sleep 0.5
        ( sleep $(awk -v m="$MS" 'BEGIN { print m / 2000 }')
          { echo "# $t: ss -ti mid-stream, both namespaces"; ip netns exec np-sa ss -tin; ip netns exec np-sb ss -tin 2>/dev/null || true; } >"$OUT/stream-$t-ss.txt" ) &
        ssp=$!
        row=$(run "$t" "$port")
        wait "$ssp" || true
        kill -INT "$rec"; wait "$rec" || true
        perf script -i "$WORK/perf.data" --cpu "$CPU" -F comm,period,ip,sym 2>/dev/null >"$WORK/script.txt"
        [ -n "${KEEP:-}" ] && cp "$WORK/script.txt" "$KEEP/stream-$t.script.txt"
        "$HERE/attribute_stream.py" <"$WORK/script.txt" >"$OUT/stream-$t.csv"
        echo "# run: $row" >>"$OUT/stream-$t.csv"
        echo "profiled $t: $row" >&2
    done
    exit 0
fi

echo "topology,gso_max,rep,bytes,wall_ns,busy_ns,steal_ns,ns_per_kib,gbit_s,data_segs,pure_acks,retrans,tx_skbs,tx_bytes,rx_skbs,rx_bytes,bytes_per_tx_skb,segs_per_ack,bytes_per_rx_skb,segs_per_rx_skb,kernel,cc"
cc=${CC:-$(sysctl -n net.ipv4.tcp_congestion_control)}
port=7000
for rep in $(seq "$REPS"); do
    for t in $TOPOLOGIES; do
        port=$((port + 2))
        echo "$t,${GSO:-65536},$rep,$(run "$t" "$port"),$(uname -r),$cc"
    done
done

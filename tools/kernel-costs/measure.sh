#!/usr/bin/env bash
# Measures the Linux kernel's CPU time per UDP datagram on paths built from network namespaces, to derive the
# per-stage defaults of NetPerf's cost model (src/NetPerf.Network/Cpu/cost-model.csv cites these runs).
#
# Method: sender and receiver are pinned to one CPU, so every stage of the path (syscalls, both stacks,
# veth/bridge/vxlan, softirq backlog) runs there. CPU time per packet = that CPU's busy time (user, nice,
# system, irq, softirq from /proc/stat) over the run / datagrams received; a run with more than 0.5% loss is
# refused. Each figure is the median of REPS runs. Differences between paths isolate stages.
# Needs root, iproute2, gcc, iptables. Only namespaces it creates see traffic; all are deleted at exit.
# Usage: sudo tools/kernel-costs/measure.sh [count=500000] [reps=3]   (prints CSV on stdout)
set -euo pipefail
COUNT=${1:-500000}
REPS=${2:-3}
CPU=${CPU:-0}
HERE=$(cd "$(dirname "$0")" && pwd)
BLAST=$(mktemp -d)/udpblast
gcc -O2 -o "$BLAST" "$HERE/udpblast.c"
IPT=${IPT:-iptables}
NS=(np-a np-b np-r np-r2)
cleanup() { for n in "${NS[@]}"; do ip netns del "$n" 2>/dev/null || true; done; }
trap cleanup EXIT

busy() { awk -v c="cpu$CPU" '$1 == c { print $2 + $3 + $4 + $7 + $8 }' /proc/stat; }
tick_ns=$(( 1000000000 / $(getconf CLK_TCK) ))

veth() { # veth NS1 DEV1 NS2 DEV2 (created under temporary names: the host may have an eth0 of its own)
    ip link add np-tmp1 type veth peer name np-tmp2
    ip link set np-tmp1 netns "$1"; ip link set np-tmp2 netns "$3"
    ip -n "$1" link set np-tmp1 name "$2"; ip -n "$3" link set np-tmp2 name "$4"
    ip -n "$1" link set "$2" up; ip -n "$3" link set "$4" up
}

setup() {
    cleanup
    DST_SEND=
    for n in "${NS[@]}"; do ip netns add "$n"; ip -n "$n" link set lo up; done
    case "$1" in
    lo) DST=127.0.0.1; RX=np-a ;;
    veth)
        veth np-a eth0 np-b eth0
        ip -n np-a addr add 10.0.0.1/24 dev eth0; ip -n np-b addr add 10.0.0.2/24 dev eth0
        DST=10.0.0.2; RX=np-b ;;
    bridge|bridge-nf)
        veth np-a eth0 np-r pa; veth np-b eth0 np-r pb
        ip -n np-r link add br0 type bridge; ip -n np-r link set br0 up
        ip -n np-r link set pa master br0; ip -n np-r link set pb master br0
        ip -n np-a addr add 10.0.0.1/24 dev eth0; ip -n np-b addr add 10.0.0.2/24 dev eth0
        # A new namespace inherits bridge-nf-call-iptables=1 when br_netfilter is loaded: off for the plain bridge.
        ip netns exec np-r sysctl -qw net.bridge.bridge-nf-call-iptables=0 2>/dev/null || true
        if [ "$1" = bridge-nf ]; then
            ip netns exec np-r sysctl -qw net.bridge.bridge-nf-call-iptables=1
            ip netns exec np-r "$IPT" -A FORWARD -m conntrack --ctstate INVALID -j DROP
        fi
        DST=10.0.0.2; RX=np-b ;;
    routed|routed-ct|routed-rules|routed-dnat)
        veth np-a eth0 np-r ra; veth np-b eth0 np-r rb
        ip -n np-a addr add 10.0.1.1/24 dev eth0; ip -n np-r addr add 10.0.1.254/24 dev ra
        ip -n np-b addr add 10.0.2.1/24 dev eth0; ip -n np-r addr add 10.0.2.254/24 dev rb
        ip -n np-a route add default via 10.0.1.254; ip -n np-b route add default via 10.0.2.254
        ip netns exec np-r sysctl -qw net.ipv4.ip_forward=1
        if [ "$1" = routed-ct ]; then
            ip netns exec np-r "$IPT" -A FORWARD -m conntrack --ctstate INVALID -j DROP
        fi
        if [ "$1" = routed-rules ]; then
            for i in $(seq 1 1000); do echo "-A FORWARD -s 192.0.2.$((i % 250))/32 -d 198.51.100.$((i / 250))/32 -j DROP"; done \
                | { echo "*filter"; cat; echo COMMIT; } | ip netns exec np-r "${IPT}-restore"
        fi
        DST=10.0.2.1; RX=np-b
        if [ "$1" = routed-dnat ]; then
            # The sender aims at a virtual address that the forwarding namespace DNATs to the receiver.
            ip netns exec np-r "$IPT" -t nat -A PREROUTING -d 10.96.0.10/32 -p udp -j DNAT --to-destination 10.0.2.1
            DST_SEND=10.96.0.10
        fi ;;
    routed2) # hold-out: two forwarding namespaces in series
        veth np-a eth0 np-r ra; veth np-r r12 np-r2 r21; veth np-b eth0 np-r2 rb
        ip -n np-a addr add 10.0.1.1/24 dev eth0; ip -n np-r addr add 10.0.1.254/24 dev ra
        ip -n np-r addr add 10.0.3.1/30 dev r12; ip -n np-r2 addr add 10.0.3.2/30 dev r21
        ip -n np-b addr add 10.0.2.1/24 dev eth0; ip -n np-r2 addr add 10.0.2.254/24 dev rb
        ip -n np-a route add default via 10.0.1.254; ip -n np-b route add default via 10.0.2.254
        ip -n np-r route add 10.0.2.0/24 via 10.0.3.2; ip -n np-r2 route add 10.0.1.0/24 via 10.0.3.1
        for n in np-r np-r2; do ip netns exec "$n" sysctl -qw net.ipv4.ip_forward=1; done
        DST=10.0.2.1; RX=np-b ;;
    bridge-routed) # hold-out: a pod on a bridge whose namespace routes on to another namespace (flannel's node)
        veth np-a eth0 np-r pa; veth np-b eth0 np-r rb
        ip -n np-r link add br0 type bridge; ip -n np-r link set br0 up; ip -n np-r link set pa master br0
        ip netns exec np-r sysctl -qw net.bridge.bridge-nf-call-iptables=0 2>/dev/null || true
        ip -n np-a addr add 10.0.1.1/24 dev eth0; ip -n np-r addr add 10.0.1.254/24 dev br0
        ip -n np-b addr add 10.0.2.1/24 dev eth0; ip -n np-r addr add 10.0.2.254/24 dev rb
        ip -n np-a route add default via 10.0.1.254; ip -n np-b route add default via 10.0.2.254
        ip netns exec np-r sysctl -qw net.ipv4.ip_forward=1
        DST=10.0.2.1; RX=np-b ;;
    vxlan)
        veth np-a eth0 np-r ra; veth np-b eth0 np-r2 rb; veth np-r u1 np-r2 u2
        ip -n np-a addr add 10.0.1.1/24 dev eth0; ip -n np-r addr add 10.0.1.254/24 dev ra
        ip -n np-b addr add 10.0.2.1/24 dev eth0; ip -n np-r2 addr add 10.0.2.254/24 dev rb
        ip -n np-a route add default via 10.0.1.254; ip -n np-b route add default via 10.0.2.254
        ip -n np-r addr add 192.168.9.1/30 dev u1; ip -n np-r2 addr add 192.168.9.2/30 dev u2
        ip -n np-r link add vx0 type vxlan id 1 dstport 8472 local 192.168.9.1 dev u1 nolearning
        ip -n np-r2 link add vx0 type vxlan id 1 dstport 8472 local 192.168.9.2 dev u2 nolearning
        ip -n np-r link set vx0 mtu 1450 up; ip -n np-r2 link set vx0 mtu 1450 up
        ip -n np-r addr add 10.9.0.1/24 dev vx0; ip -n np-r2 addr add 10.9.0.2/24 dev vx0
        mac1=$(ip -n np-r -br link show vx0 | awk '{print $3}'); mac2=$(ip -n np-r2 -br link show vx0 | awk '{print $3}')
        ip -n np-r neigh add 10.9.0.2 lladdr "$mac2" dev vx0; ip -n np-r2 neigh add 10.9.0.1 lladdr "$mac1" dev vx0
        ip netns exec np-r bridge fdb append "$mac2" dev vx0 dst 192.168.9.2
        ip netns exec np-r2 bridge fdb append "$mac1" dev vx0 dst 192.168.9.1
        ip -n np-r route add 10.0.2.0/24 via 10.9.0.2 dev vx0; ip -n np-r2 route add 10.0.1.0/24 via 10.9.0.1 dev vx0
        for n in np-r np-r2; do ip netns exec "$n" sysctl -qw net.ipv4.ip_forward=1; done
        DST=10.0.2.1; RX=np-b ;;
    esac
    # Warm the neighbour caches and FDBs so no ARP runs during the measurement.
    ip netns exec "$RX" "$BLAST" recv "$DST" 9 10 "$CPU" >/dev/null &
    sleep 0.2; ip netns exec np-a "$BLAST" send "${DST_SEND:-$DST}" 9 10 18 "$CPU"; wait
}

churn() { # churn TOPOLOGY -> ns per packet when every datagram opens a new flow (fresh namespaces each rep)
    local samples=()
    for _ in $(seq "$REPS"); do
        setup "$1"
        local out; out=$(mktemp); local ctl; ctl=$(mktemp -u); mkfifo "$ctl"
        ip netns exec "$RX" "$BLAST" recv "$DST" 9 "$CHURN" "$CPU" >"$out" &
        local rx=$!
        ip netns exec np-a bash -c "ulimit -n $((CHURN + 64)); exec \"$BLAST\" churn $DST 9 $CHURN 18 $CPU" <"$ctl" >/dev/null &
        local tx=$!
        exec 9>"$ctl"; sleep 3
        local b0; b0=$(busy)
        echo >&9; wait "$tx"; exec 9>&-
        wait "$rx"
        local b1; b1=$(busy)
        local got; got=$(cat "$out"); rm -f "$out" "$ctl"
        if [ "$got" -lt $(( CHURN - CHURN / 200 )) ]; then echo "churn $1: only $got of $CHURN received" >&2; continue; fi
        samples+=( $(( (b1 - b0) * tick_ns / got )) )
    done
    printf '%s\n' "${samples[@]}" | sort -n | awk '{ a[NR] = $1 } END { print (NR ? a[int((NR + 1) / 2)] : "NA") }'
}

run() { # run TOPOLOGY PAYLOAD -> ns per packet
    local samples=()
    for _ in $(seq "$REPS"); do
        local out; out=$(mktemp)
        ip netns exec "$RX" "$BLAST" recv "$DST" 9 "$COUNT" "$CPU" >"$out" &
        sleep 0.2
        local b0; b0=$(busy)
        ip netns exec np-a "$BLAST" send "${DST_SEND:-$DST}" 9 "$COUNT" "$2" "$CPU"
        wait
        local b1; b1=$(busy)
        local got; got=$(cat "$out"); rm -f "$out"
        # The receiver idles 10 s after the last datagram only if some were lost: that time is not busy.
        if [ "$got" -lt $(( COUNT - COUNT / 200 )) ]; then echo "$1 $2: only $got of $COUNT received" >&2; continue; fi
        samples+=( $(( (b1 - b0) * tick_ns / got )) )
    done
    printf '%s\n' "${samples[@]}" | sort -n | awk '{ a[NR] = $1 } END { print (NR ? a[int((NR + 1) / 2)] : "NA") }'
}

# PROFILE=topology: one run under perf (cpu-clock sampling on the measured CPU), attributed to stages.
if [ -n "${PROFILE:-}" ]; then
    setup "$PROFILE"
    ip netns exec "$RX" "$BLAST" recv "$DST" 9 "$COUNT" "$CPU" >/dev/null &
    sleep 0.2
    perf record -q -e cpu-clock -C "$CPU" -o "/tmp/netperf-$PROFILE.perf" -- ip netns exec np-a "$BLAST" send "$DST" 9 "$COUNT" 18 "$CPU" 2>/dev/null
    wait
    perf report -i "/tmp/netperf-$PROFILE.perf" --stdio --no-children --sort sym 2>/dev/null | "$HERE/attribute.py"
    exit 0
fi

# CHURN=N: new-flow cost, routed with and without conntrack, N datagrams each from its own socket.
if [ -n "${CHURN:-}" ]; then
    echo "topology,payload_bytes,ns_per_packet,count,reps,kernel"
    for topology in routed routed-ct; do echo "$topology-churn,18,$(churn "$topology"),$CHURN,$REPS,$(uname -r)"; done
    exit 0
fi

echo "topology,payload_bytes,ns_per_packet,count,reps,kernel"
for topology in ${TOPOLOGIES:-lo veth bridge bridge-nf routed routed-ct routed-rules vxlan}; do
    setup "$topology"
    for payload in 18 1400; do
        echo "$topology,$payload,$(run "$topology" "$payload"),$COUNT,$REPS,$(uname -r)"
    done
done

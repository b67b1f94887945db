#!/usr/bin/env bash
# What conntrack's TCP state tracking costs an established segment, with leverage: a client and a server joined
# by a chain of ROUTERS routed namespaces (veth between each), every router with conntrack loaded (the FORWARD rule
# `-m conntrack --ctstate INVALID -j DROP`, as calibrate's routed+conntrack testbed) or with no rules at all, and
# UDP and TCP request/response (calibrate's probe, npprobe rr, 64 B, client and server pinned to one CPU).
#   per router, per round trip:  ct(proto) = (p50[proto, ct] - p50[proto, no ct]) / ROUTERS
#   TCP state, per segment:      (ct(tcp) - ct(udp)) / 2
# A chain multiplies the per-router difference by ROUTERS, so it stands above the round-to-round spread that
# buries it in a one-router testbed. Rounds are interleaved; a figure is the median over rounds of the probe's
# median round trip.
# Needs root, iproute2, iptables-nft, gcc. Namespaces are np-cc-* (PREFIX=x: x-cc-*); all are deleted at exit.
# Usage: sudo tools/kernel-costs/measure-ct-chain.sh [transactions=10000] [rounds=5] [routers=4]   (CSV on stdout)
set -euo pipefail
COUNT=${1:-10000}
ROUNDS=${2:-5}
N=${3:-4}
CPU=${CPU:-1}
HERE=$(cd "$(dirname "$0")" && pwd)
TMP=$(mktemp -d)
PROBE=$TMP/npprobe
P=${PREFIX:-np}
remove() { for n in $(ip netns list | awk '{print $1}' | grep -E "^$P-cc-" || true); do ip netns del "$n" 2>/dev/null || true; done; }
trap 'remove; rm -rf "$TMP"' EXIT
. "$HERE/kind-lab.sh"

build() { # a - r1 - ... - rN - b; link i is 10.1.i.0/24 (the router on its left .254, on its right .1)
    local i
    for x in a b $(seq -f 'r%g' 1 "$N"); do ip netns add "$P-cc-$x"; ip -n "$P-cc-$x" link set lo up; done
    local prev=$P-cc-a
    for i in $(seq 0 "$N"); do
        local next=$P-cc-r$((i + 1)); [ "$i" = "$N" ] && next=$P-cc-b
        veth "$prev" "l$i" "$next" "r$i"
        ip -n "$prev" addr add "10.1.$i.1/24" dev "l$i"; ip -n "$next" addr add "10.1.$i.254/24" dev "r$i"
        prev=$next
    done
    # routes: everything left of a router goes out its r-side, everything right out its l-side
    ip -n "$P-cc-a" route add default via 10.1.0.254
    ip -n "$P-cc-b" route add default via "10.1.$N.1"
    for i in $(seq 1 "$N"); do
        local r=$P-cc-r$i
        sx "$r" net.ipv4.ip_forward 1
        [ "$i" -lt "$N" ] && ip -n "$r" route add "10.1.$N.0/24" via "10.1.$i.254"
        [ "$i" -gt 1 ] && ip -n "$r" route add 10.1.0.0/24 via "10.1.$((i - 1)).1"
        for j in $(seq 1 "$N"); do
            [ "$j" -gt "$i" ] && [ "$j" -lt "$N" ] && ip -n "$r" route add "10.1.$j.0/24" via "10.1.$i.254"
            [ "$j" -lt "$((i - 1))" ] && [ "$j" -gt 0 ] && ip -n "$r" route add "10.1.$j.0/24" via "10.1.$((i - 1)).1"
        done
    done
    return 0
}

conntrack() { # conntrack on|off in every router
    local i
    for i in $(seq 1 "$N"); do
        ip netns exec "$P-cc-r$i" nft flush ruleset
        [ "$1" = on ] && echo "$ctrule" | ip netns exec "$P-cc-r$i" iptables-nft-restore
    done
    return 0
}

probe() { # probe udp|tcp WARMUP COUNT
    local dst=10.1.$N.254
    ip netns exec "$P-cc-b" "$PROBE" server "$1" $dst 8080 64 "$CPU" "$2" > "$TMP/server" &
    local pid=$!
    for _ in $(seq 50); do grep -q ready "$TMP/server" 2>/dev/null && break; sleep 0.1; done
    ip netns exec "$P-cc-a" "$PROBE" rr "$1" $dst 8080 "$2" "$3" 64 "$CPU"
    wait $pid || true
}

remove; gcc -O2 -o "$PROBE" "$HERE/../../src/NetPerf.Calibration/Probe/npprobe.c"
build
echo "kernel,round,routers,conntrack,proto,p50_ns,p99_ns,mean_ns,cpu_ns,other_cpus_busy"
for c in on off; do conntrack $c; for pr in udp tcp; do probe $pr 200 2000 > /dev/null; done; done
cfgs=("on udp" "off udp" "on tcp" "off tcp")
for r in $(seq 1 "$ROUNDS"); do
    for i in "${!cfgs[@]}"; do
        read -r c pr <<< "${cfgs[$(( (i + r) % 4 ))]}"
        conntrack "$c"
        read -r b0 t0 <<< "$(others)"
        line=$(probe "$pr" 1000 "$COUNT")
        read -r b1 t1 <<< "$(others)"
        read -r _ n _ p50 _ _ _ p99 _ _ _ mean _ _ _ _ _ _ _ user _ sys <<< "$line"
        su=$(grep -o 'user_ns [0-9]*' "$TMP/server" | cut -d' ' -f2); ss=$(grep -o 'sys_ns [0-9]*' "$TMP/server" | cut -d' ' -f2)
        echo "$(uname -r),$r,$N,$c,$pr,$p50,$p99,$mean,$(( (user + sys + su + ss) / n )),$(awk -v b=$((b1 - b0)) -v t=$((t1 - t0)) 'BEGIN { printf "%.3f", (t > 0 ? b / t : 0) }')"
    done
done

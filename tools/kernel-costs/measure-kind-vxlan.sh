#!/usr/bin/env bash
# Where VXLAN's cost across kind nodes goes that the VXLAN testbed does not have: the two kind clusters of
# `netperf calibrate` (src/NetPerf.Calibration/Paths/KindCluster.cs, the same namespaces, addresses, devices and
# rules) built for real, flannel-vxlan and flannel-host-gw side by side, and UDP request/response (calibrate's own
# probe, npprobe rr, 64 B, client and server pinned to one CPU) from the client pod on node 1 to web-1 on node 2,
# with one piece of the nodes' netfilter taken away at a time:
#   full       as calibrate builds it: kube-proxy's and flannel's rules (iptables-nft) in both nodes, br_netfilter
#              on cni0 and on the host's kind bridge
#   ct-only    the nodes' rules replaced by one FORWARD rule that never matches (conntrack stays loaded, no nat
#              table, no INPUT/OUTPUT chains)
#   no-nat     the nodes' filter rules kept, their nat table (kube-proxy's and flannel's chains) removed
#   no-rules   no rules in the nodes at all (no conntrack there)
#   no-cni-nf  full rules, bridge-nf-call-iptables=0 in the nodes (cni0 bridges without br_netfilter)
#   no-host-nf full rules, bridge-nf-call-iptables=0 on the host's kind bridge
# Rounds are interleaved (every variant and plugin once per round, each round starting one later); a figure is the
# median over rounds of the probe's median round trip. VXLAN's extra over host-gw per variant says which piece
# VXLAN's outer packets pay for in the cluster.
# Needs root, iproute2, iptables-nft, gcc. Namespaces are named np-kv-*, np-kg-*, np-tv-* (PREFIX=x: x-kv-*, ...); all are
# deleted at exit.
# Usage: sudo tools/kernel-costs/measure-kind-vxlan.sh [transactions=10000] [rounds=5]   (CSV on stdout)
set -euo pipefail
COUNT=${1:-10000}
ROUNDS=${2:-5}
CPU=${CPU:-1}
VARIANTS=${VARIANTS:-"full ct-only no-nat no-rules no-cni-nf no-host-nf"}
HERE=$(cd "$(dirname "$0")" && pwd)
TMP=$(mktemp -d)
PROBE=$TMP/npprobe
P=${PREFIX:-np}
remove() { for n in $(ip netns list | awk '{print $1}' | grep -E "^$P-(kv|kg|tv)-" || true); do ip netns del "$n" 2>/dev/null || true; done; }
trap 'remove; rm -rf "$TMP"' EXIT

. "$HERE/kind-lab.sh"

testbed() { # testbed TAG: VXLAN between routers r (node1's role) and r2 (node2's), as TestbedLab's Vxlan
    local t=$1
    for x in a r r2 b; do ip netns add "$P-$t-$x"; ip -n "$P-$t-$x" link set lo up; done
    local A=$P-$t-a R=$P-$t-r R2=$P-$t-r2 B=$P-$t-b
    veth "$A" eth0 "$R" ra; veth "$B" eth0 "$R2" rb; veth "$R" u1 "$R2" u2
    ip -n "$A" addr add 10.0.1.1/24 dev eth0; ip -n "$R" addr add 10.0.1.254/24 dev ra
    ip -n "$B" addr add 10.0.2.1/24 dev eth0; ip -n "$R2" addr add 10.0.2.254/24 dev rb
    ip -n "$A" route add default via 10.0.1.254; ip -n "$B" route add default via 10.0.2.254
    ip -n "$R" addr add 192.168.9.1/30 dev u1; ip -n "$R2" addr add 192.168.9.2/30 dev u2
    ip -n "$R" link add vx0 type vxlan id 1 dstport 8472 local 192.168.9.1 dev u1 nolearning
    ip -n "$R2" link add vx0 type vxlan id 1 dstport 8472 local 192.168.9.2 dev u2 nolearning
    for x in "$R" "$R2"; do ip -n "$x" link set vx0 mtu 1450 up; sx "$x" net.ipv4.ip_forward 1; done
    ip -n "$R" addr add 10.9.0.1/24 dev vx0; ip -n "$R2" addr add 10.9.0.2/24 dev vx0
    local m1 m2
    m1=$(ip -n "$R" -o link show vx0 | grep -o 'link/ether [0-9a-f:]*' | cut -d' ' -f2)
    m2=$(ip -n "$R2" -o link show vx0 | grep -o 'link/ether [0-9a-f:]*' | cut -d' ' -f2)
    ip -n "$R" neigh add 10.9.0.2 lladdr "$m2" dev vx0 nud permanent; ip -n "$R2" neigh add 10.9.0.1 lladdr "$m1" dev vx0 nud permanent
    ip netns exec "$R" bridge fdb append "$m2" dev vx0 dst 192.168.9.2; ip netns exec "$R2" bridge fdb append "$m1" dev vx0 dst 192.168.9.1
    ip -n "$R" route add 10.0.2.0/24 via 10.9.0.2 dev vx0; ip -n "$R2" route add 10.0.1.0/24 via 10.9.0.1 dev vx0
}

variant() { # variant TAG NAME: sets the nodes' rules and the bridges' br_netfilter for NAME
    local t=$1 v=$2 n H=$P-$t-host
    if [ "$t" != tv ]; then
        sx "$H" net.bridge.bridge-nf-call-iptables $([ "$v" = no-host-nf ] && echo 0 || echo 1)
        ip netns exec "$H" nft flush ruleset; echo "$ctrule" | ip netns exec "$H" iptables-nft-restore
    fi
    for n in 1 2; do
        local N=$P-$t-node$n
        if [ "$t" = tv ]; then N=$P-$t-r; [ $n = 2 ] && N=$P-$t-r2; else
        sx "$N" net.bridge.bridge-nf-call-iptables $([ "$v" = no-cni-nf ] && echo 0 || echo 1); fi
        ip netns exec "$N" nft flush ruleset
        case "$v" in
        ct-only) echo "$ctrule" | ip netns exec "$N" iptables-nft-restore ;;
        no-nat) filter_rules | ip netns exec "$N" iptables-nft-restore ;;
        no-rules) ;;
        *) { filter_rules; nat_rules "$n"; } | ip netns exec "$N" iptables-nft-restore ;;
        esac
    done
}

port=21000
probe() { # probe TAG WARMUP COUNT: prints the probe's line
    local t=$1 out
    port=$((port + 1))
    local srv=$P-$t-web1 cli=$P-$t-client dst=10.244.2.2
    [ "$t" = tv ] && { srv=$P-$t-b; cli=$P-$t-a; dst=10.0.2.1; }
    ip netns exec "$srv" "$PROBE" server udp $dst $port 64 "$CPU" "$2" > "$TMP/server" &
    local pid=$!
    for _ in $(seq 50); do grep -q ready "$TMP/server" 2>/dev/null && break; sleep 0.1; done
    out=$(ip netns exec "$cli" "$PROBE" rr udp $dst $port "$2" "$3" 64 "$CPU")
    wait $pid || true
    echo "$out"
}

remove; gcc -O2 -o "$PROBE" "$HERE/../../src/NetPerf.Calibration/Probe/npprobe.c"
build kv vxlan
build kg host-gw
testbed tv
read -ra vs <<< "$VARIANTS"
echo "kernel,round,variant,plugin,p50_ns,p99_ns,mean_ns,cpu_ns,other_cpus_busy"
for t in kv kg tv; do variant $t full; probe $t 200 2000 > /dev/null; done   # neighbours, FDBs and conntrack settle
for r in $(seq 1 "$ROUNDS"); do
    for i in "${!vs[@]}"; do
        v=${vs[$(( (i + r) % ${#vs[@]} ))]}
        for t in kv kg tv; do
            [ "$t" = tv ] && [[ "$v" = no-*-nf ]] && continue   # the testbed has no bridges
            variant $t "$v"
            read -r b0 t0 <<< "$(others)"
            line=$(probe $t 1000 "$COUNT")
            read -r b1 t1 <<< "$(others)"
            read -r _ n _ p50 _ _ _ p99 _ _ _ mean _ _ _ _ _ _ _ user _ sys <<< "$line"
            su=$(grep -o 'user_ns [0-9]*' "$TMP/server" | cut -d' ' -f2); ss=$(grep -o 'sys_ns [0-9]*' "$TMP/server" | cut -d' ' -f2)
            echo "$(uname -r),$r,$v,$(case $t in kv) echo flannel-vxlan ;; kg) echo flannel-host-gw ;; *) echo vxlan-testbed ;; esac),$p50,$p99,$mean,$(( (user + sys + su + ss) / n )),$(awk -v b=$((b1 - b0)) -v t=$((t1 - t0)) 'BEGIN { printf "%.3f", (t > 0 ? b / t : 0) }')"
        done
    done
done

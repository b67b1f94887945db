#!/usr/bin/env bash
# Where a NodePort's cost over a ClusterIP goes across kind nodes: the two kind clusters of `netperf calibrate`
# (kind-lab.sh: the same namespaces, addresses, devices and rules as src/NetPerf.Calibration/Paths/KindCluster.cs),
# flannel-vxlan and flannel-host-gw side by side, TCP request/response (calibrate's probe, npprobe rr tcp, 64 B,
# client and server pinned to one CPU) on paths that differ from the NodePort path by one piece each:
#   pod-cross-node      client pod on node 1 to web-1:8080 on node 2 (no NAT)
#   cluster-ip          client pod to 10.96.0.20:80 (DNAT in node 1's cni0 bridge, br_netfilter's PREROUTING)
#   node-port           the outside client (192.168.15.1 on the kind bridge) to node 1's 192.168.0.1:30080: DNAT
#                       and kube-proxy's masquerade on node 1, out of eth0 again, across the kind bridge a second time
#   outside-pod         the outside client straight to web-1's 10.244.2.2:8080 routed via node 1 (no DNAT; flannel's
#                       FLANNEL-POSTRTG masquerades it as it would any non-pod source): node-port less the DNAT
#   outside-node        the outside client to a server on node 1's own address (hostNetwork): one kind-bridge
#                       crossing and node 1's INPUT
#   *-no-host-nf        the same with bridge-nf-call-iptables=0 on the host's kind bridge (no conntrack there)
# Rounds are interleaved (every path and plugin once per round, each round starting one later); a figure is the
# median over rounds of the probe's median round trip.
# Needs root, iproute2, iptables-nft, gcc. Namespaces are named np-nk-*, np-ng-* (PREFIX=x: x-nk-*, ...); all are
# deleted at exit.
# Usage: sudo tools/kernel-costs/measure-kind-nodeport.sh [transactions=10000] [rounds=5]   (CSV on stdout)
set -euo pipefail
COUNT=${1:-10000}
ROUNDS=${2:-5}
CPU=${CPU:-1}
PATHS=${PATHS:-"pod-cross-node cluster-ip node-port outside-pod outside-node node-port-no-host-nf pod-cross-node-no-host-nf outside-node-no-host-nf"}
HERE=$(cd "$(dirname "$0")" && pwd)
TMP=$(mktemp -d)
PROBE=$TMP/npprobe
P=${PREFIX:-np}
remove() { for n in $(ip netns list | awk '{print $1}' | grep -E "^$P-(nk|ng)-" || true); do ip netns del "$n" 2>/dev/null || true; done; }
trap 'remove; rm -rf "$TMP"' EXIT
. "$HERE/kind-lab.sh"

rules() { # rules TAG: kube-proxy's and flannel's rules in both nodes, conntrack on the host's bridge
    local t=$1 n
    echo "$ctrule" | ip netns exec "$P-$t-host" iptables-nft-restore
    for n in 1 2; do { filter_rules; nat_rules "$n"; } | ip netns exec "$P-$t-node$n" iptables-nft-restore; done
    ip -n "$P-$t-outside" route add 10.244.0.0/16 via 192.168.0.1
}

probe() { # probe TAG PATH WARMUP COUNT: prints the probe's line (every server listens on 8080, SO_REUSEADDR)
    local t=$1 path=${2%-no-host-nf} srv cli dst bind dport=8080 port=8080
    srv=$P-$t-web1; bind=10.244.2.2; cli=$P-$t-client; dst=10.244.2.2
    case $path in
    cluster-ip) dst=10.96.0.20; dport=80 ;;
    node-port) cli=$P-$t-outside; dst=192.168.0.1; dport=30080 ;;
    outside-pod) cli=$P-$t-outside ;;
    outside-node) cli=$P-$t-outside; srv=$P-$t-node1; bind=192.168.0.1; dst=192.168.0.1 ;;
    esac
    sx "$P-$t-host" net.bridge.bridge-nf-call-iptables "$([ "$path" = "$2" ] && echo 1 || echo 0)"
    ip netns exec "$srv" "$PROBE" server tcp $bind $port 64 "$CPU" "$3" > "$TMP/server" &
    local pid=$!
    for _ in $(seq 50); do grep -q ready "$TMP/server" 2>/dev/null && break; sleep 0.1; done
    out=$(ip netns exec "$cli" "$PROBE" rr tcp $dst $dport "$3" "$4" 64 "$CPU")
    wait $pid || true
    echo "$out"
}

remove; gcc -O2 -o "$PROBE" "$HERE/../../src/NetPerf.Calibration/Probe/npprobe.c"
build nk vxlan; rules nk
build ng host-gw; rules ng
read -ra ps <<< "$PATHS"
echo "kernel,round,path,plugin,p50_ns,p99_ns,mean_ns,cpu_ns,other_cpus_busy"
for t in nk ng; do for p in pod-cross-node node-port; do probe $t $p 200 2000 > /dev/null; done; done   # neighbours and conntrack settle
for r in $(seq 1 "$ROUNDS"); do
    for i in "${!ps[@]}"; do
        p=${ps[$(( (i + r) % ${#ps[@]} ))]}
        for t in nk ng; do
            read -r b0 t0 <<< "$(others)"
            line=$(probe $t "$p" 1000 "$COUNT")
            read -r b1 t1 <<< "$(others)"
            read -r _ n _ p50 _ _ _ p99 _ _ _ mean _ _ _ _ _ _ _ user _ sys <<< "$line"
            su=$(grep -o 'user_ns [0-9]*' "$TMP/server" | cut -d' ' -f2); ss=$(grep -o 'sys_ns [0-9]*' "$TMP/server" | cut -d' ' -f2)
            echo "$(uname -r),$r,$p,$([ $t = nk ] && echo flannel-vxlan || echo flannel-host-gw),$p50,$p99,$mean,$(( (user + sys + su + ss) / n )),$(awk -v b=$((b1 - b0)) -v t=$((t1 - t0)) 'BEGIN { printf "%.3f", (t > 0 ? b / t : 0) }')"
        done
    done
done

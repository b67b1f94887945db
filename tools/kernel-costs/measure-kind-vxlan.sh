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

veth() { # veth NS1 DEV1 NS2 DEV2 [MTU]
    ip link add "$P-t1" type veth peer name "$P-t2"
    ip link set "$P-t1" netns "$1"; ip link set "$P-t2" netns "$3"
    ip -n "$1" link set "$P-t1" name "$2"; ip -n "$3" link set "$P-t2" name "$4"
    if [ -n "${5:-}" ]; then ip -n "$1" link set "$2" mtu "$5"; ip -n "$3" link set "$4" mtu "$5"; fi
    ip -n "$1" link set "$2" up; ip -n "$3" link set "$4" up
}
sx() { ip netns exec "$1" sysctl -qw "$2=$3"; }

ctrule='*filter
-A FORWARD -m conntrack --ctstate INVALID -j DROP
COMMIT'

# kube-proxy's iptables-mode rules and flanneld's masquerade chain for node $1, as KindCluster.KubeProxyRules.
filter_rules() { cat <<'EOF'
*filter
:KUBE-SERVICES - [0:0]
:KUBE-EXTERNAL-SERVICES - [0:0]
-A INPUT -m conntrack --ctstate NEW -m comment --comment "kubernetes externally-visible service portals" -j KUBE-EXTERNAL-SERVICES
-A FORWARD -m conntrack --ctstate NEW -m comment --comment "kubernetes service portals" -j KUBE-SERVICES
-A FORWARD -m conntrack --ctstate NEW -m comment --comment "kubernetes externally-visible service portals" -j KUBE-EXTERNAL-SERVICES
-A OUTPUT -m conntrack --ctstate NEW -m comment --comment "kubernetes service portals" -j KUBE-SERVICES
COMMIT
EOF
}
nat_rules() { cat <<EOF
*nat
:KUBE-SERVICES - [0:0]
:KUBE-NODEPORTS - [0:0]
:KUBE-POSTROUTING - [0:0]
:KUBE-MARK-MASQ - [0:0]
:KUBE-SVC-DNS - [0:0]
:KUBE-SEP-DNS - [0:0]
:KUBE-SVC-WEB - [0:0]
:KUBE-SEP-WEB1 - [0:0]
:KUBE-EXT-WEB - [0:0]
:FLANNEL-POSTRTG - [0:0]
-A PREROUTING -m comment --comment "kubernetes service portals" -j KUBE-SERVICES
-A OUTPUT -m comment --comment "kubernetes service portals" -j KUBE-SERVICES
-A POSTROUTING -m comment --comment "kubernetes postrouting rules" -j KUBE-POSTROUTING
-A POSTROUTING -m comment --comment "flanneld masq" -j FLANNEL-POSTRTG
-A KUBE-POSTROUTING -m mark ! --mark 0x4000/0x4000 -j RETURN
-A KUBE-POSTROUTING -j MARK --xor-mark 0x4000
-A KUBE-POSTROUTING -m comment --comment "kubernetes service traffic requiring SNAT" -j MASQUERADE --random-fully
-A KUBE-MARK-MASQ -j MARK --or-mark 0x4000
-A KUBE-SERVICES -d 10.96.0.10/32 -p udp -m udp --dport 53 -j KUBE-SVC-DNS
-A KUBE-SVC-DNS ! -s 10.244.0.0/14 -d 10.96.0.10/32 -p udp -m udp --dport 53 -j KUBE-MARK-MASQ
-A KUBE-SVC-DNS -j KUBE-SEP-DNS
-A KUBE-SEP-DNS -s 10.244.2.3/32 -j KUBE-MARK-MASQ
-A KUBE-SEP-DNS -p udp -m udp -j DNAT --to-destination 10.244.2.3:53
-A KUBE-SERVICES -d 10.96.0.20/32 -p tcp -m tcp --dport 80 -j KUBE-SVC-WEB
-A KUBE-SVC-WEB ! -s 10.244.0.0/14 -d 10.96.0.20/32 -p tcp -m tcp --dport 80 -j KUBE-MARK-MASQ
-A KUBE-SVC-WEB -j KUBE-SEP-WEB1
-A KUBE-SEP-WEB1 -s 10.244.2.2/32 -j KUBE-MARK-MASQ
-A KUBE-SEP-WEB1 -p tcp -m tcp -j DNAT --to-destination 10.244.2.2:8080
-A KUBE-SERVICES -m addrtype --dst-type LOCAL -j KUBE-NODEPORTS
-A KUBE-NODEPORTS -p tcp -m tcp --dport 30080 -j KUBE-EXT-WEB
-A KUBE-EXT-WEB -j KUBE-MARK-MASQ
-A KUBE-EXT-WEB -j KUBE-SVC-WEB
-A FLANNEL-POSTRTG -m mark --mark 0x4000/0x4000 -j RETURN
-A FLANNEL-POSTRTG -s 10.244.0.0/14 -d 10.244.0.0/14 -j RETURN
-A FLANNEL-POSTRTG ! -s 10.244.0.0/14 -d 10.244.$1.0/24 -j RETURN
-A FLANNEL-POSTRTG -s 10.244.0.0/14 ! -d 224.0.0.0/4 -j MASQUERADE --random-fully
-A FLANNEL-POSTRTG ! -s 10.244.0.0/14 -d 10.244.0.0/14 -j MASQUERADE --random-fully
COMMIT
EOF
}

build() { # build TAG vxlan|host-gw
    local t=$1 mode=$2 mtu=1500 n m
    [ "$mode" = vxlan ] && mtu=1450
    for x in host node1 node2 client web1; do ip netns add "$P-$t-$x"; ip -n "$P-$t-$x" link set lo up; done
    local H=$P-$t-host
    ip -n "$H" link add kind type bridge; ip -n "$H" addr add 192.168.15.254/20 dev kind; ip -n "$H" link set kind up
    for n in 1 2; do
        local N=$P-$t-node$n
        veth "$N" eth0 "$H" "vethn$n"; ip -n "$H" link set "vethn$n" master kind
        ip -n "$N" addr add "192.168.0.$n/20" dev eth0; ip -n "$N" route add default via 192.168.15.254
        sx "$N" net.ipv4.ip_forward 1
        ip -n "$N" link add cni0 mtu $mtu type bridge; ip -n "$N" addr add "10.244.$n.1/24" dev cni0; ip -n "$N" link set cni0 up
        if [ "$mode" = vxlan ]; then
            ip -n "$N" link add flannel.1 type vxlan id 1 dstport 8472 local "192.168.0.$n" dev eth0 nolearning
            ip -n "$N" link set flannel.1 mtu 1450 up; ip -n "$N" addr add "10.244.$n.0/32" dev flannel.1
        fi
    done
    for n in 1 2; do
        m=$((3 - n)); local N=$P-$t-node$n O=$P-$t-node$m
        if [ "$mode" = vxlan ]; then
            local mac; mac=$(ip -n "$O" -o link show flannel.1 | grep -o 'link/ether [0-9a-f:]*' | cut -d' ' -f2)
            ip -n "$N" route add "10.244.$m.0/24" via "10.244.$m.0" dev flannel.1 onlink
            ip -n "$N" neigh add "10.244.$m.0" lladdr "$mac" dev flannel.1 nud permanent
            ip netns exec "$N" bridge fdb append "$mac" dev flannel.1 dst "192.168.0.$m"
        else
            ip -n "$N" route add "10.244.$m.0/24" via "192.168.0.$m" dev eth0
        fi
    done
    veth "$P-$t-client" eth0 "$P-$t-node1" vethclient $mtu; ip -n "$P-$t-node1" link set vethclient master cni0
    ip -n "$P-$t-client" addr add 10.244.1.2/24 dev eth0; ip -n "$P-$t-client" route add default via 10.244.1.1
    veth "$P-$t-web1" eth0 "$P-$t-node2" vethweb1 $mtu; ip -n "$P-$t-node2" link set vethweb1 master cni0
    ip -n "$P-$t-web1" addr add 10.244.2.2/24 dev eth0; ip -n "$P-$t-web1" route add default via 10.244.2.1
}

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

# The other CPUs' busy share over a probe run: a busy sibling slows the probes' CPU too (shared caches, SMT), so a
# run beside other work is marked, not hidden.
others() { awk -v c="cpu$CPU" '$1 ~ /^cpu[0-9]/ && $1 != c { b += $2 + $3 + $4 + $7 + $8; t += $2 + $3 + $4 + $5 + $6 + $7 + $8 + $9 } END { print b, t }' /proc/stat; }

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

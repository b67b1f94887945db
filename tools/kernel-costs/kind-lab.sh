# The kind cluster of `netperf calibrate` (src/NetPerf.Calibration/Paths/KindCluster.cs) in shell, for the
# measurement scripts that take it apart (measure-kind-vxlan.sh, measure-kind-nodeport.sh): the same namespaces,
# addresses, devices and rules. Sourced; expects $P (namespace prefix) and $CPU (the other CPUs' share is taken
# beside it).

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
    # the outside client on the kind network (KindCluster's Outside)
    ip netns add "$P-$t-outside"; ip -n "$P-$t-outside" link set lo up
    veth "$P-$t-outside" eth0 "$H" vetho; ip -n "$H" link set vetho master kind
    ip -n "$P-$t-outside" addr add 192.168.15.1/20 dev eth0
}

# The other CPUs' busy share over a probe run: a busy sibling slows the probes' CPU too (shared caches, SMT), so a
# run beside other work is marked, not hidden.
others() { awk -v c="cpu$CPU" '$1 ~ /^cpu[0-9]/ && $1 != c { b += $2 + $3 + $4 + $7 + $8; t += $2 + $3 + $4 + $5 + $6 + $7 + $8 + $9 } END { print b, t }' /proc/stat; }


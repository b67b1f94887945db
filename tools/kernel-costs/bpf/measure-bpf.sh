#!/usr/bin/env bash
# Measures what a Cilium-like tc BPF program costs per packet on this kernel, and what eBPF host routing
# (bpf_redirect_peer from the host-side veth straight into the peer pod's namespace) saves against routing the
# packet through the node's stack. Two pods (np-a 10.0.1.1, np-b 10.0.2.1) hang off a node namespace (np-r) on
# veth pairs lxca/lxcb; np-r forwards between them.
# Modes:  routed  no BPF: the node's stack forwards (ip_forward), as a plain routed CNI
#         pass    a tc ingress program returning TC_ACT_OK on lxca and lxcb: the tc hook and an empty run
#         legacy  lxc.bpf.o on both: Cilium's from-container map work, then TC_ACT_OK to the node's stack
#         ebpf    lxc.bpf.o on both, redirecting with bpf_redirect_peer into the other pod (skips the node's stack)
# Per mode: UDP request/response of 1 byte, COUNT transactions, client and server pinned to one CPU; CPU per
# transaction from both processes' own getrusage (contention-robust), the program's own run time per run from
# kernel.bpf_stats_enabled (run_time_ns / run_cnt), medians of REPS runs, modes interleaved per rep.
# Needs root, clang, bpftool, iproute2 with libbpf. Deletes what it made at exit.
set -euo pipefail
COUNT=${1:-200000}; REPS=${2:-5}; CPU=${CPU:-1}
HERE=$(cd "$(dirname "$0")" && pwd); WORK=$(mktemp -d); B=$WORK/tcpblast
gcc -O2 -o "$B" "$HERE/../tcpblast.c"
for o in lxc pass; do clang -O2 -g -target bpf -I/usr/include/$(uname -m)-linux-gnu $([ $o = pass ] && echo -DPASS) -c "$HERE/lxc.bpf.c" -o "$WORK/$o.bpf.o"; done
NS=(np-a np-b np-r)
cleanup() { for n in "${NS[@]}"; do ip netns del "$n" 2>/dev/null || true; done; rm -rf $FS/np-prog $FS/np-maps; sysctl -qw kernel.bpf_stats_enabled=0; }
trap 'cleanup; umount $FS 2>/dev/null; rmdir $FS 2>/dev/null || true' EXIT
# A bpffs of our own outside /sys: `tc -n` and `ip netns exec` mount a fresh sysfs, hiding /sys/fs/bpf.
FS=/run/np-bpf; mkdir -p $FS; mountpoint -q $FS || mount -t bpf bpf $FS
veth() { ip link add np-tmp1 type veth peer name np-tmp2; ip link set np-tmp1 netns "$1"; ip link set np-tmp2 netns "$3"
         ip -n "$1" link set np-tmp1 name "$2"; ip -n "$3" link set np-tmp2 name "$4"; ip -n "$1" link set "$2" up; ip -n "$3" link set "$4" up; }
hex32() { printf '%02x %02x %02x %02x' $(( $1 & 255 )) $(( ($1>>8) & 255 )) $(( ($1>>16) & 255 )) $(( ($1>>24) & 255 )); }
ipkey() { local IFS=.; set -- $1; echo "$(printf '%02x %02x %02x %02x' "$1" "$2" "$3" "$4")"; }
mac() { ip -n "$1" -j link show "$2" | python3 -c 'import json,sys; print(" ".join(json.load(sys.stdin)[0]["address"].split(":")))'; }
setup() {
    cleanup; sysctl -qw kernel.bpf_stats_enabled=${STATS:-1}
    for n in "${NS[@]}"; do ip netns add "$n"; ip -n "$n" link set lo up; done
    veth np-a eth0 np-r lxca; veth np-b eth0 np-r lxcb
    ip -n np-a addr add 10.0.1.1/24 dev eth0; ip -n np-r addr add 10.0.1.254/24 dev lxca
    ip -n np-b addr add 10.0.2.1/24 dev eth0; ip -n np-r addr add 10.0.2.254/24 dev lxcb
    ip -n np-a route add default via 10.0.1.254; ip -n np-b route add default via 10.0.2.254
    ip netns exec np-r sysctl -qw net.ipv4.ip_forward=1
    # Resolve the gateways now so no ARP runs while measuring.
    case $1 in
    routed) return ;;
    pass) obj=$WORK/pass.bpf.o ;;
    *) obj=$WORK/lxc.bpf.o ;;
    esac
    # One program and one set of maps for both devices, as the agent shares its maps among endpoints.
    bpftool prog loadall "$obj" $FS/np-prog pinmaps $FS/np-maps
    for d in lxca lxcb; do tc -n np-r qdisc add dev $d clsact; tc -n np-r filter add dev $d ingress bpf da object-pinned $FS/np-prog/*; done
    [ "$1" = pass ] && return
    G=$FS/np-maps
    ia=$(ip netns exec np-r cat /sys/class/net/lxca/ifindex); ib=$(ip netns exec np-r cat /sys/class/net/lxcb/ifindex)
    # endpoints: pod IP -> (host-side ifindex, pod MAC, node-side MAC); ipcache: /32 -> identity; policy: allow both.
    bpftool map update pinned $G/endpoints key hex $(ipkey 10.0.2.1) value hex $(hex32 "$ib") $(mac np-b eth0) $(ip netns exec np-r cat /sys/class/net/lxcb/address | tr : ' ')
    bpftool map update pinned $G/endpoints key hex $(ipkey 10.0.1.1) value hex $(hex32 "$ia") $(mac np-a eth0) $(ip netns exec np-r cat /sys/class/net/lxca/address | tr : ' ')
    bpftool map update pinned $G/ipcache key hex 20 00 00 00 $(ipkey 10.0.2.1) value hex $(hex32 1002) 00 00 00 00
    bpftool map update pinned $G/ipcache key hex 20 00 00 00 $(ipkey 10.0.1.1) value hex $(hex32 1001) 00 00 00 00
    [ "$1" = ebpf ] && bpftool map update pinned $G/mode key hex 00 00 00 00 value hex 01 00 00 00
    return 0
}
progstats() { # sum run_time_ns and run_cnt over the sched_cls programs loaded now
    bpftool -j prog show | python3 -c 'import json,sys; p=[x for x in json.load(sys.stdin) if x.get("type")=="sched_cls" and x.get("name") in ("from_container","tc_pass")]; print(sum(x.get("run_time_ns",0) for x in p), sum(x.get("run_cnt",0) for x in p))'; }
run() {
    setup "$1"
    # Warm-up: resolves the gateways' neighbours and creates the conntrack entries before the clock starts.
    ip netns exec np-b "$B" server udp 10.0.2.1 8 1 "$CPU" >/dev/null & sleep 0.3
    ip netns exec np-a "$B" rr udp 10.0.2.1 8 1000 1 "$CPU" >/dev/null; wait
    ip netns exec np-b "$B" server udp 10.0.2.1 9 1 "$CPU" >$WORK/srv &
    sleep 0.3
    local before after cli srv
    before=$( [ "$1" = routed ] && echo "0 0" || progstats )
    cli=$(ip netns exec np-a "$B" rr udp 10.0.2.1 9 "$COUNT" 1 "$CPU")
    wait
    after=$( [ "$1" = routed ] && echo "0 0" || progstats )
    srv=$(cat $WORK/srv)
    # How many packets the node's stack forwarded: about 2 x COUNT when routed, 0 when redirected past it.
    fwd=$(ip netns exec np-r awk '/^Ip: [0-9]/ { print $7 }' /proc/net/snmp)
    python3 - "$1" "$COUNT" "$cli" "$srv" "$before" "$after" "$fwd" <<'PY'
import sys
mode, count = sys.argv[1], int(sys.argv[2])
cli = sys.argv[3].split(); srv = sys.argv[4].split()
b = list(map(int, sys.argv[5].split())); a = list(map(int, sys.argv[6].split()))
cpu = (int(cli[-1]) + int(srv[-1])) / count
runs = a[1] - b[1]; prog = (a[0] - b[0]) / runs if runs else 0
print(f"{mode},{count},{cpu:.0f},{runs},{prog:.1f},{sys.argv[7]}")
PY
}
echo "mode,transactions,cpu_ns_per_transaction,bpf_runs,bpf_ns_per_run,node_forwarded"
for r in $(seq "$REPS"); do for m in routed pass legacy ebpf; do run $m; done; done

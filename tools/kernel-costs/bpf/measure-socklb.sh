#!/usr/bin/env bash
# Measures what Cilium-like socket load balancing costs per connect() on this kernel: a cgroup/connect4 program
# (socklb.bpf.o) translating a Service VIP (10.96.0.10:80, 3 backends) to a backend (127.0.0.1:8080) before the
# connection exists, so its packets never carry the VIP. Modes, in a namespace of our own, the connecting
# process in a cgroup-v2 group of our own:
#   direct      connect to the backend, no program attached
#   miss        program attached, connect to the backend: the hook and one failed Service lookup
#   vip         program attached, connect to the VIP: the lookups, the random slot, the rewrite, the revnat update
# Per mode: COUNT connect()+close() (RST), the connecting process's CPU per connection (getrusage), and the
# program's own run time per run (kernel.bpf_stats_enabled); medians of REPS runs, modes interleaved.
set -euo pipefail
COUNT=${1:-50000}; REPS=${2:-5}; CPU=${CPU:-1}
HERE=$(cd "$(dirname "$0")" && pwd); WORK=$(mktemp -d)
gcc -O2 -o "$WORK/conn" "$HERE/conn.c"
clang -O2 -g -target bpf -I/usr/include/$(uname -m)-linux-gnu -c "$HERE/socklb.bpf.c" -o "$WORK/socklb.bpf.o"
FS=/run/np-bpf; CG=/run/np-cg2
cleanup() { bpftool cgroup detach $CG/np-lb connect4 pinned $FS/np-sock/sock4_connect 2>/dev/null || true
            rmdir $CG/np-lb 2>/dev/null || true; umount $CG 2>/dev/null || true; rmdir $CG 2>/dev/null || true
            rm -rf $FS/np-sock $FS/np-sockmaps; umount $FS 2>/dev/null || true; rmdir $FS 2>/dev/null || true
            ip netns del np-a 2>/dev/null || true; sysctl -qw kernel.bpf_stats_enabled=0; }
trap cleanup EXIT
mkdir -p $FS $CG; mountpoint -q $FS || mount -t bpf bpf $FS; mountpoint -q $CG || mount -t cgroup2 none $CG
mkdir -p $CG/np-lb
ip netns add np-a; ip -n np-a link set lo up
bpftool prog loadall "$WORK/socklb.bpf.o" $FS/np-sock pinmaps $FS/np-sockmaps
M=$FS/np-sockmaps
# lb4_services: slot 0 says 3 backends; slots 1-3 name backends 1-3; all backends are 127.0.0.1:8080.
bpftool map update pinned $M/lb4_services key hex 0a 60 00 0a 00 50 00 00 00 00 00 00 value hex 00 00 00 00 03 00 01 00 00 00 00 00
for s in 1 2 3; do
  bpftool map update pinned $M/lb4_services key hex 0a 60 00 0a 00 50 0$s 00 00 00 00 00 value hex 0$s 00 00 00 00 00 01 00 00 00 00 00
  bpftool map update pinned $M/lb4_backends key hex 0$s 00 00 00 value hex 7f 00 00 01 1f 90 06 00 00 00 00 00
done
stats() { bpftool -j prog show pinned $FS/np-sock/sock4_connect | python3 -c 'import json,sys; x=json.load(sys.stdin); print(x.get("run_time_ns",0), x.get("run_cnt",0))'; }
attached=0
run() { # run MODE STATS
  sysctl -qw kernel.bpf_stats_enabled=$2
  if [ "$1" = direct ] && [ $attached = 1 ]; then bpftool cgroup detach $CG/np-lb connect4 pinned $FS/np-sock/sock4_connect; attached=0; fi
  if [ "$1" != direct ] && [ $attached = 0 ]; then bpftool cgroup attach $CG/np-lb connect4 pinned $FS/np-sock/sock4_connect; attached=1; fi
  local dst=127.0.0.1 port=8080; [ "$1" = vip ] && { dst=10.96.0.10; port=80; }
  local b a cpu; b=$(stats)
  cpu=$(bash -c "echo \$\$ > $CG/np-lb/cgroup.procs; exec ip netns exec np-a $WORK/conn $dst $port $COUNT $CPU")
  a=$(stats)
  python3 -c "import sys; b=list(map(int,'$b'.split())); a=list(map(int,'$a'.split())); n=a[1]-b[1]; print(f'$1,$2,$COUNT,$cpu,{n},{(a[0]-b[0])/n if n else 0:.1f}')"
}
echo "mode,bpf_stats,connections,cpu_ns_per_connect,bpf_runs,bpf_ns_per_run"
for r in $(seq "$REPS"); do for st in 0 1; do for m in direct miss vip; do run $m $st; done; done; done
